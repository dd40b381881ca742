"""Stage 1: the script the operator pastes into the router so radtik can reach it."""

from __future__ import annotations

from routers.routeros.quoting import ros_quote


def api_username(router_name: str) -> str:
    return f"api-{router_name}"


TLS_CERTIFICATE = "radtik-api"


def bootstrap_script(*, router_name: str, token: str, use_tls: bool) -> str:
    """With TLS, a self-signed certificate for api-ssl too (without one RouterOS offers only
    anonymous Diffie-Hellman, which radtik's client refuses); radtik pins it on first contact."""
    lines = [
        f"/system identity set name={ros_quote(router_name)}",
        f"/user add name={ros_quote(api_username(router_name))} group=full "
        f"password={ros_quote(token)}",
        "/ip neighbor discovery-settings set discover-interface-list=all",
    ]
    if not use_tls:
        return "\n".join([*lines, "/ip service enable api"])
    return "\n".join(
        [
            *lines,
            f"/certificate add name={TLS_CERTIFICATE} common-name={ros_quote(router_name)} "
            "key-usage=digital-signature,key-encipherment,tls-server days-valid=3650",
            f"/certificate sign {TLS_CERTIFICATE}",
            f"/ip service set api-ssl certificate={TLS_CERTIFICATE} disabled=no",
        ]
    )
