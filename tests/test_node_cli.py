"""`reform-node` as a newcomer meets it (issue 17): the README's commands parse as written, a token is signed with
the running node's secret or refused, it records the actor's name, and the local federation's ports move."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import jwt
import pytest

from reform_node.__main__ import _config, main
from reform_node.cli import federation_ports, parse

pytestmark = pytest.mark.domain
README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def readme_args(command: str) -> list[list[str]]:
    """Every `make <command> ARGS="…"` of the README, as the Makefile passes it: `reform-node <command> …`."""
    return [[command, *shlex.split(found)] for found in re.findall(rf'make {command} ARGS="([^"]+)"', README)]


def test_make_run_with_the_readmes_options_parses_as_written() -> None:
    every = readme_args("run")
    for argv in every:
        parse(argv)  # each as the README shows it: no "unrecognized arguments"
    argv = next(a for a in every if "--data-dir" in a)
    config = _config(parse(argv))
    assert config.data_dir == Path("/srv/reform") and config.service_ports["submission"] == 9101
    assert parse(["--data-dir", "/srv/x", "run"]).data_dir == "/srv/x", "the data folder may also come first"
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "$(BIN)/reform-node run $(ARGS)" in makefile, "ARGS go after the command, where the README puts them"


def test_a_token_without_the_nodes_secret_is_refused_clearly_and_makes_no_secret(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["token", "--data-dir", str(tmp_path), "--sub", "lan", "--roles", "submitter"])
    assert stopped.value.code == 2
    said = capsys.readouterr()
    assert said.out == "" and "No node secret at" in said.err and str(tmp_path) in said.err and "401" in said.err
    assert not (tmp_path / "node-secret").exists(), "never a new secret the running node does not know"


def test_the_readmes_token_example_is_signed_with_the_nodes_secret_and_records_the_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "node-secret").write_text("the-node-s-own-secret-made-by-make-run-0123456789")
    examples = re.findall(r"reform-node token ([^`)]+)", README)
    assert examples and all("--name" in example for example in examples), examples
    for example in examples:
        with pytest.raises(SystemExit) as stopped:
            main(["token", "--data-dir", str(tmp_path), *shlex.split(example)])
        assert stopped.value.code == 0
        claims = jwt.decode(capsys.readouterr().out.strip(), "the-node-s-own-secret-made-by-make-run-0123456789",
                            algorithms=["HS256"], options={"verify_aud": False})
        assert claims["sub"] == "lan" and claims["name"] == "Nguyễn Thị Lan"
    with pytest.raises(SystemExit):
        main(["token", "--data-dir", str(tmp_path), "--sub", "hung", "--roles", "submitter"])
    unnamed = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert unnamed["name"] == "hung", "without --name the actor is named by its id, never empty"


def test_the_local_federations_ports_move_together() -> None:
    (argv,) = readme_args("federation")
    args = parse(argv)
    moved, default = federation_ports(args), federation_ports(parse(["federation"]))
    assert args.leaf_port == 8422 and args.mongo_port == 28017 and args.data_dir == "var/federation"
    for node in ("city", "0", "1"):
        assert moved[node].nats == default[node].nats + 1000
        assert moved[node].services == {s: p + 1000 for s, p in default[node].services.items()}
    assert moved["city"].nats == 5312 and moved["city"].services["portal"] == 9198
    with pytest.raises(SystemExit):
        parse(["federation", "--port-offset", "60000"])


def test_a_backup_of_a_node_that_is_not_running_says_so_at_once_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    from reform_node.servers import free_port

    out = tmp_path / "node.backup"
    port = free_port()  # nothing listens there
    with pytest.raises(SystemExit) as stopped:
        main(["backup", "--nats-url", f"nats://127.0.0.1:{port}", "--out", str(out)])
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert "Không sao lưu được" in said and "Is the node running?" in said
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("nats")], \
        "one message, not nats-py's traceback of every attempt"
    assert not out.exists()
