"""Stage 1: the script the operator pastes into the router so radtik can reach it."""

from __future__ import annotations

from routers.routeros.quoting import ros_quote


def api_username(router_name: str) -> str:
    return f"api-{router_name}"


def bootstrap_script(*, router_name: str, token: str, use_tls: bool) -> str:
    service = "api-ssl" if use_tls else "api"
    return "\n".join(
        [
            f"/system identity set name={ros_quote(router_name)}",
            f"/user add name={ros_quote(api_username(router_name))} group=full "
            f"password={ros_quote(token)}",
            "/ip neighbor discovery-settings set discover-interface-list=all",
            f"/ip service enable {service}",
        ]
    )
