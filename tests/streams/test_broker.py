"""The local broker launcher (Tansu and Apache Kafka): idempotent up/down, pid file, stop by pid,
an occupied port refused, Kafka's data kept across a restart."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from kafka_helpers import free_port

from talkwire import broker as broker_module
from talkwire.broker import (
    BrokerError,
    KAFKA_POM,
    KafkaBroker,
    TansuBroker,
    kafka_lib,
    main,
    make_broker,
    tansu_binary,
    wait_until_ready,
)

pytestmark = pytest.mark.kafka

KINDS = ["tansu", "kafka"]


def test_tansu_binary_is_shipped_by_the_wheel() -> None:
    binary = tansu_binary()
    assert binary.name == "tansu"
    assert os.access(binary, os.X_OK)


def test_kafka_jars_are_resolved_with_their_logging_binding() -> None:
    jars = {jar.name for jar in kafka_lib().glob("*.jar")}
    assert any(name.startswith("kafka_2.13-4.1.") for name in jars)
    assert any(name.startswith("log4j-slf4j-impl-") for name in jars)  # else the broker logs nothing


def test_maven_failure_is_reported_with_its_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pom = tmp_path / "pom.xml"  # invalid without a network look-up: a dependency with no version
    pom.write_text(KAFKA_POM.read_text().replace("<version>${kafka.version}</version>", ""))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TALKWIRE_KAFKA_LIB", raising=False)
    with pytest.raises(BrokerError, match="Maven could not resolve") as failure:
        kafka_lib(pom)
    assert "dependencies.dependency.version" in str(failure.value)  # Maven's own words, not a bare exit code
    assert not list((tmp_path / "cache").rglob("resolved.sha256"))  # the next run tries again


@pytest.mark.parametrize("kind", KINDS)
def test_up_and_down_are_idempotent(kind: str, tmp_path: Path) -> None:
    broker = make_broker(kind, port=free_port(), run_dir=tmp_path)
    assert broker.running_pid() is None
    pid = broker.up()
    try:
        assert broker.pid_file.read_text().strip() == str(pid)
        assert broker.up() == pid  # already running: same process, nothing started
        assert broker.log_file.stat().st_size > 0  # Kafka: the log4j binding is on the class path
        asyncio.run(wait_until_ready(broker.bootstrap, timeout_s=5))
    finally:
        assert broker.down() is True
    assert not broker.pid_file.exists()
    assert broker.down() is False  # stopped: a no-op
    assert not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/cmdline").read_bytes() == b""


@pytest.mark.parametrize("kind", KINDS)
def test_stale_pid_file_is_ignored_and_never_kills_another_process(kind: str, tmp_path: Path) -> None:
    broker = make_broker(kind, port=free_port(), run_dir=tmp_path)
    broker.pid_file.write_text(f"{os.getpid()}\n")  # a live pid that is not the broker (this pytest)
    assert broker.running_pid() is None
    assert not broker.pid_file.exists()
    assert broker.down() is False


def test_a_broker_on_another_port_is_not_taken_for_this_one(tmp_path: Path) -> None:
    running = TansuBroker(port=free_port(), run_dir=tmp_path)
    running.up()
    try:
        other = TansuBroker(port=free_port(), run_dir=tmp_path)
        other.pid_file.write_text(running.pid_file.read_text())  # a pid file naming another Tansu
        assert other.running_pid() is None
        assert running.running_pid() is not None
    finally:
        running.down()


@pytest.mark.parametrize("kind", KINDS)
def test_up_on_an_occupied_port_fails_and_leaves_the_occupant_alone(kind: str, tmp_path: Path) -> None:
    """issue 15, defect 4: a second broker on a taken port died with "Address in use" while ``up``,
    answered by the first broker, reported success."""
    occupant = TansuBroker(port=free_port(), run_dir=tmp_path / "first")
    occupant_pid = occupant.up()
    try:
        second = make_broker(kind, port=occupant.port, run_dir=tmp_path / "second")
        with pytest.raises(BrokerError, match="in use"):
            second.up()
        assert second.running_pid() is None
        assert not second.pid_file.exists()
        assert occupant.running_pid() == occupant_pid
    finally:
        occupant.down()


def test_ready_check_fails_when_nothing_listens() -> None:
    with pytest.raises(BrokerError):
        asyncio.run(wait_until_ready(f"127.0.0.1:{free_port()}", timeout_s=1))


def test_ready_check_gives_up_when_the_broker_process_is_gone() -> None:
    with pytest.raises(BrokerError, match="exited"):
        asyncio.run(wait_until_ready(f"127.0.0.1:{free_port()}", timeout_s=30, alive=lambda: False))


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--port", str(free_port()), "--run-dir", str(tmp_path)]
    assert main(["status", *args]) == 1
    assert main(["up", *args]) == 0
    try:
        assert main(["status", *args]) == 0
        assert "broker running" in capsys.readouterr().out
        assert main(["up", "--kind", "kafka", *args]) == 1  # the port is Tansu's
        assert "in use" in capsys.readouterr().err
    finally:
        assert main(["down", *args]) == 0
    assert "broker stopped" in capsys.readouterr().out


def test_kafka_keeps_its_topics_across_a_kill_and_restart(local_broker) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    async def create(bootstrap: str) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic("kept", num_partitions=2, replication_factor=1)])
        finally:
            await admin.close()

    async def topics(bootstrap: str) -> list[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            return await admin.list_topics()
        finally:
            await admin.close()

    broker = local_broker("kafka", **{"log.cleaner.backoff.ms": "500"})  # the tests' factory: started
    assert isinstance(broker, KafkaBroker)
    assert "log.cleaner.backoff.ms=500\n" in broker.config_file.read_text()
    first_pid = broker.running_pid()
    asyncio.run(create(broker.bootstrap))
    assert broker.stop(signal.SIGKILL) is True
    assert broker.running_pid() is None
    assert broker.data_dir.is_dir()
    assert broker.up() != first_pid
    assert "kept" in asyncio.run(topics(broker.bootstrap))
    broker.down(wipe=True)
    assert not broker.home.exists()


def test_kafka_storage_formats_with_a_cluster_id_that_begins_with_a_dash(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A random id in URL-safe base64 begins with "-" once in 64: StorageTool's argparse took it for an option."""
    monkeypatch.setattr(broker_module, "kafka_cluster_id", lambda: "-" + "A" * 21)
    broker = KafkaBroker(port=free_port(), run_dir=tmp_path)
    try:
        assert broker.up() > 0
    finally:
        broker.down(wipe=True)
