from reform_replication.bootstrap import DEFAULT_PORT, SERVICE, build_app, build_runtime
from reform_shared.entry import run_service


def main() -> None:
    run_service(SERVICE, DEFAULT_PORT, build_runtime, build_app)


if __name__ == "__main__":
    main()
