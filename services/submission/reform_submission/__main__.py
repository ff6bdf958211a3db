from reform_shared.entry import run_service
from reform_submission.bootstrap import DEFAULT_PORT, SERVICE, build_app, build_runtime


def main() -> None:
    run_service(SERVICE, DEFAULT_PORT, build_runtime, build_app)


if __name__ == "__main__":
    main()
