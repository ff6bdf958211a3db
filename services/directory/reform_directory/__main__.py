import sys

from reform_directory.bootstrap import DEFAULT_PORT, SERVICE, build_app, build_runtime
from reform_shared.entry import run_service, service_settings


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "first-administrator":
        from reform_directory.console import main as console

        sys.exit(console(sys.argv[1:], service_settings(SERVICE, DEFAULT_PORT)))
    run_service(SERVICE, DEFAULT_PORT, build_runtime, build_app)


if __name__ == "__main__":
    main()
