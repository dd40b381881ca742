"""An independent client (librouteros) gets the same answers from the simulator."""

from __future__ import annotations

import librouteros
import pytest
from librouteros.exceptions import TrapError
from librouteros.query import Key, Or


@pytest.fixture
def ros(routeros_router):
    api = librouteros.connect("127.0.0.1", "admin", "admin", port=routeros_router.port, timeout=5)
    yield api
    api.close()


def test_login_with_bad_password_is_a_trap(routeros_router):
    with pytest.raises(TrapError) as excinfo:
        librouteros.connect("127.0.0.1", "admin", "wrong", port=routeros_router.port, timeout=5)
    assert excinfo.value.message == "invalid user name or password (6)"


def test_print_with_query_and_proplist(ros):
    name = Key("name")
    rows = list(ros.path("ppp", "secret").select(name, Key("password")).where(name == "bob"))
    assert rows == [{"name": "bob", "password": "bob-pw"}]
    either = ros.path("ppp", "secret").select(name).where(Or(name == "alice", name == "carol"))
    assert sorted(r["name"] for r in either) == ["alice", "carol"]
    not_bob = ros.path("ppp", "secret").select(name).where(name != "bob")
    assert sorted(r["name"] for r in not_bob) == ["alice", "carol"]
    running = ros.path("interface").select(name).where(Key("running") == True)  # noqa: E712
    assert [r["name"] for r in running] == ["ether1", "ether2", "bridge1"]


def test_add_set_remove_round_trip(ros, routeros_router):
    pools = ros.path("ip", "pool")
    new_id = pools.add(name="lr-pool", ranges="10.77.0.2-10.77.0.254")
    assert new_id.startswith("*")
    pools.update(**{".id": new_id, "ranges": "10.77.0.2-10.77.1.254"})
    [row] = [r for r in pools if r["name"] == "lr-pool"]
    assert row == {
        ".id": new_id,
        "name": "lr-pool",
        "ranges": "10.77.0.2-10.77.1.254",
        "next-pool": "none",
    }
    second = pools.add(name="lr-pool-2", ranges="10.78.0.2")
    pools.remove(new_id, second)  # librouteros sends =.id=*A,*B
    assert not routeros_router.state.find("/ip/pool", name="lr-pool")
    assert not routeros_router.state.find("/ip/pool", name="lr-pool-2")


def test_trap_on_duplicate_and_missing_item(ros):
    with pytest.raises(TrapError) as excinfo:
        ros.path("ip", "pool").add(name="hs-pool-1", ranges="1.1.1.1")
    assert excinfo.value.message == "failure: already have pool with such name"
    with pytest.raises(TrapError, match="no such item"):
        ros.path("ip", "pool").remove("*FFFF")
    with pytest.raises(TrapError, match="no such command prefix"):
        tuple(ros("/ip/unknown/print"))


def test_singletons_and_typed_values(ros):
    [identity] = ros.path("system", "identity")
    assert identity == {"name": "sim-router-0000"}
    [resource] = ros.path("system", "resource")
    assert resource["board-name"] == "RB3011UiAS-RM" and isinstance(resource["cpu-load"], int)
    tuple(ros("/ppp/aaa/set", **{"use-radius": True}))
    [aaa] = ros.path("ppp", "aaa")
    assert aaa["use-radius"] is True
