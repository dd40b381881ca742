"""The agent's POST /disconnect: a Disconnect-Request (RFC 5176) from the RADIUS host to a router
it knows as a client, signed with that client's secret, and the router's answer in words. Real
agent, simulated MikroTik NAS (its /radius incoming listener)."""

from __future__ import annotations

import pytest

from routers.routeros.simulator.nas import configure_radius

SECRET = "S3cret-coa-test"


@pytest.fixture
def router_nas(radius_agent, routeros_farm, simulated_nas):
    """A router at 127.0.0.41 whose RADIUS server is this host, and the agent that knows it."""
    agent = radius_agent()
    (router,) = routeros_farm(1, host="127.0.0.41")
    configure_radius(router, address="127.0.0.1", secret=SECRET)
    nas = simulated_nas(router=router)
    assert agent.call("PUT", "/clients/127.0.0.41", json={"secret": SECRET}).status_code == 200
    return agent, nas


def disconnect(agent, **body):
    return agent.call("POST", "/disconnect", json={"nas": "127.0.0.41", "timeout": 0.5, **body})


def test_an_unknown_session_is_nakked_and_an_ignored_request_times_out(router_nas):
    agent, nas = router_nas
    answer = disconnect(agent, port=nas.coa.port, username="nobody")
    assert answer.status_code == 200
    assert answer.json() == {"result": "nak", "error_cause": 503}  # Session-Context-Not-Found
    nas.accept_coa = False  # /radius incoming accept=no
    answer = disconnect(agent, port=nas.coa.port, username="nobody")
    assert answer.json() == {"result": "timeout", "error_cause": None}


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        ({"nas": "127.0.0.99", "username": "u"}, 404, "No RADIUS client at 127.0.0.99"),
        ({"username": ""}, 422, "Name the session"),
        ({"nas": "router.example", "username": "u"}, 422, "not an IP address"),
        ({"username": "u", "port": 0}, 422, "port"),
    ],
)
def test_a_request_it_cannot_send_is_refused_in_words(router_nas, body, status, said):
    agent, _ = router_nas
    answer = disconnect(agent, **body)
    assert answer.status_code == status and said in answer.json()["detail"]
