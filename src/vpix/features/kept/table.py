"""The kept commands of 7.x and 8.0, by the slot each stands in (vpix.system.config orders the
slots as the device writes its configuration)."""

from __future__ import annotations

from vpix.features import PLATFORM, SINGLE
from vpix.features.kept import HELP, Spec, keep

HELP.update({
    "dns": "Configure DNS", "domain-lookup": "Enable DNS domain lookups on an interface",
    "server-group": "Configure a DNS server group", "name-server": "Specify DNS servers",
    "ip": "Configure IP", "local": "Configure a local address pool", "pool": "Configure an address pool",
    "verify": "Verify packets", "reverse-path": "Reverse path verification",
    "asdm": "Configure ASDM", "image": "Specify the ASDM image", "history": "ASDM history",
    "location": "ASDM location",
    "nat-control": "Require a translation rule for traffic through the unit",
    "router": "Configure a routing process", "ospf": "Open Shortest Path First (OSPF)",
    "dynamic-access-policy-record": "Configure a dynamic access policy record",
    "aaa-server": "Configure a AAA server group or server",
    "http": "Configure the HTTP server", "server": "Configure the server", "enable": "Enable",
    "redirect": "Redirect HTTP to HTTPS",
    "snmp-server": "Configure the SNMP server", "contact": "Text for contact", "community": "Set community string",
    "traps": "Enable traps",
    "sysopt": "Configure system options", "connection": "Connection options",
    "crypto": "Configure IPsec, ISAKMP, certification authority, key", "ipsec": "Configure IPsec",
    "transform-set": "Define a transform set", "isakmp": "Configure ISAKMP", "policy": "Set policy",
    "map": "Configure a crypto map", "dynamic-map": "Configure a dynamic crypto map",
    "ca": "Certification authority", "trustpoint": "Define a trustpoint",
    "management-access": "Configure management access interface",
    "dhcpd": "Configure DHCP server", "dhcprelay": "Configure DHCP relay",
    "threat-detection": "Configure threat detection",
    "ntp": "Configure NTP", "authenticate": "Authenticate time sources",
    "ssl": "Configure SSL options", "webvpn": "Configure the WebVPN service",
    "group-policy": "Configure or remove a group policy", "tunnel-group": "Create and manage tunnel groups",
    "attributes": "Enter the attribute sub-command mode",
    "general-attributes": "Enter the general-attributes sub command mode",
    "ipsec-attributes": "Enter the ipsec-attributes sub command mode",
    "webvpn-attributes": "Enter the webvpn-attributes sub command mode",
    "privilege": "Configure privilege levels for commands",
    "ssh": "Configure SSH", "version": "Specify SSH version", "key-exchange": "Configure the key exchange",
    "icmp": "Configure ICMP", "unreachable": "ICMP unreachable", "arp": "Configure ARP",
    "timeout": "Set a timeout", "auth-prompt": "Customize authentication prompts",
    "service": "Configure system services",
})

CRYPTO_MAP_SET = ("{peer|transform-set|pfs|security-association|reverse-route|connection-type|nat-t-disable|"
                  "phase1-mode|trustpoint}")
GROUP_POLICY_ATTRIBUTES = (
    "{banner|dns-server|wins-server|vpn-tunnel-protocol|split-tunnel-policy|split-tunnel-network-list|"
    "default-domain|split-dns|vpn-idle-timeout|vpn-session-timeout|vpn-simultaneous-logins|vpn-filter|"
    "address-pools|password-storage|ip-comp|re-xauth|group-lock|pfs|client-firewall|msie-proxy|"
    "intercept-dhcp|nem|backup-servers|secure-unit-authentication|user-authentication|ipsec-udp|"
    "ipsec-udp-port|client-access-rule|vpn-access-hours|dhcp-network-scope|webvpn|ipv6-split-tunnel-policy}")

# What a security context lacks before 9.0 (dynamic routing, VPN, the DHCP server): single mode only
ALONE = frozenset({SINGLE})

SPECS = [
    Spec("dns domain-lookup <if:WORD>", "dns", 3),
    Spec("dns server-group <name:WORD>", "dns", 3, enters="config-dns-server-group", children=(
        Spec("name-server <servers:LINE>", "", 1), Spec("domain-name <name:WORD>", "", 1),
        Spec("retries <n:INT:0-10>", "", 1), Spec("timeout <s:INT:1-30>", "", 1))),
    Spec("ip local pool <name:WORD> <range:WORD> [mask <mask:MASK>]", "ip-local-pool", 4, spaces=ALONE),
    Spec("icmp unreachable rate-limit <rate:INT:1-100> burst-size <burst:INT:1-10>", "icmp", 2),
    Spec("asdm image <path:WORD>", "asdm", 2),
    Spec("asdm history enable", "asdm", 2, absent="no asdm history enable"),
    Spec("asdm location <ip:IP> <mask:MASK> <if:WORD>", "asdm", 0),
    Spec("nat-control", "nat-control", 1),
    Spec("router ospf <pid:INT:1-65535>", "router", 3, spaces=ALONE, enters="config-router", children=(
        Spec("network <ip:IP> <mask:MASK> area <area:WORD>", "", 0), Spec("router-id <ip:IP>", "", 1),
        Spec("log-adj-changes [detail]", "", 1), Spec("default-information originate [<rest:LINE>]", "", 2),
        Spec("area <area:WORD> <rest:LINE>", "", 0), Spec("redistribute <rest:LINE>", "", 0),
        Spec("passive-interface <if:WORD>", "", 0))),
    Spec("dynamic-access-policy-record <name:WORD>", "dap", 2, versions="8.0-", spaces=ALONE,
         enters="config-dynamic-access-policy-record", children=(
             Spec("description <text:LINE>", "", 1), Spec("priority <n:INT:0-2147483647>", "", 1),
             Spec("action {continue|terminate}", "", 1), Spec("user-message <text:LINE>", "", 1))),
    Spec("aaa-server <tag:WORD> protocol {radius|tacacs+|kerberos|ldap|nt|sdi|http-form}", "aaa-server", 3,
         enters="config-aaa-server-group", children=(
             Spec("max-failed-attempts <n:INT:1-5>", "", 1),
             Spec("reactivation-mode {depletion|timed} [<rest:LINE>]", "", 1),
             Spec("accounting-mode {simultaneous|single}", "", 1))),
    Spec("aaa-server <tag:WORD> <if:WORD> host <ip:IP> [<rest:LINE>]", "aaa-server", 5,
         enters="config-aaa-server-host", children=(
             Spec("key <secret:WORD>", "", 1), Spec("timeout <s:INT:1-300>", "", 1),
             Spec("retry-interval <s:INT:1-10>", "", 1), Spec("authentication-port <port:INT:1-65535>", "", 1),
             Spec("accounting-port <port:INT:1-65535>", "", 1), Spec("ldap-base-dn <dn:LINE>", "", 1),
             Spec("ldap-scope {onelevel|subtree}", "", 1), Spec("ldap-naming-attribute <name:WORD>", "", 1),
             Spec("ldap-login-password <secret:WORD>", "", 1), Spec("ldap-login-dn <dn:LINE>", "", 1),
             Spec("server-type {auto-detect|microsoft|novell|openldap|sun}", "", 1),
             Spec("nt-auth-domain-controller <name:WORD>", "", 1))),
    Spec("http server enable [<port:INT:1-65535>]", "http", 3),
    Spec("http <ip:IP> <mask:MASK> <if:WORD>", "http", 0),
    Spec("http redirect <if:WORD> [<port:INT:1-65535>]", "http", 3),
    Spec("snmp-server host <if:WORD> <ip:IP> [<rest:LINE>]", "snmp", 4),
    Spec("snmp-server location <text:LINE>", "snmp", 2, absent="no snmp-server location"),
    Spec("snmp-server contact <text:LINE>", "snmp", 2, absent="no snmp-server contact"),
    Spec("snmp-server community <secret:WORD>", "snmp", 2),
    Spec("snmp-server enable", "snmp", 2),
    Spec("snmp-server enable traps <rest:LINE>", "snmp", 3),
    Spec("sysopt connection {tcpmss|permit-vpn|timewait|preserve-vpn-flows|reclassify-vpn} [<rest:LINE>]", "sysopt", 3),
    Spec("sysopt noproxyarp <if:WORD>", "sysopt", 0),
    Spec("crypto ipsec transform-set <name:WORD> <rest:LINE>", "crypto", 4, spaces=ALONE),
    Spec("crypto ipsec security-association lifetime {seconds|kilobytes} <n:NUMBER>", "crypto", 5, spaces=ALONE),
    Spec(f"crypto dynamic-map <name:WORD> <seq:INT:1-65535> set {CRYPTO_MAP_SET} [<rest:LINE>]", "crypto", 6,
         spaces=ALONE),
    Spec("crypto dynamic-map <name:WORD> <seq:INT:1-65535> match address <acl:WORD>", "crypto", 6, spaces=ALONE),
    Spec(f"crypto map <name:WORD> <seq:INT:1-65535> set {CRYPTO_MAP_SET} [<rest:LINE>]", "crypto", 6, spaces=ALONE),
    Spec("crypto map <name:WORD> <seq:INT:1-65535> match address <acl:WORD>", "crypto", 6, spaces=ALONE),
    Spec("crypto map <name:WORD> <seq:INT:1-65535> ipsec-isakmp dynamic <dyn:WORD>", "crypto", 5, spaces=ALONE),
    Spec("crypto map <name:WORD> interface <if:WORD>", "crypto", 0, spaces=ALONE),
    Spec("crypto ca trustpoint <name:WORD>", "crypto", 4, spaces=ALONE, enters="config-ca-trustpoint", children=(
        Spec("enrollment {self|terminal|url} [<rest:LINE>]", "", 1), Spec("subject-name <dn:LINE>", "", 1),
        Spec("keypair <name:WORD>", "", 1), Spec("fqdn <name:WORD>", "", 1),
        Spec("crl configure", "", 1), Spec("id-usage <rest:LINE>", "", 1))),
    Spec("crypto isakmp enable <if:WORD>", "crypto", 0, spaces=ALONE),
    Spec("crypto isakmp identity {address|hostname|key-id|auto}", "crypto", 3, spaces=ALONE),
    Spec("crypto isakmp nat-traversal [<s:INT:10-3600>]", "crypto", 3, spaces=ALONE),
    Spec("crypto isakmp policy <priority:INT:1-65535>", "crypto", 4, spaces=ALONE,
         enters="config-isakmp-policy", children=(
        Spec("authentication {pre-share|rsa-sig|crack}", "", 1),
        Spec("encryption {des|3des|aes|aes-192|aes-256}", "", 1),
        Spec("hash {sha|md5}", "", 1), Spec("group {1|2|5|7}", "", 1),
        Spec("lifetime <s:INT:120-2147483647>", "", 1))),
    Spec("management-access <if:WORD>", "management-access", 1),
    Spec("dhcpd address <range:WORD> <if:WORD>", "dhcpd", 0, spaces=ALONE),
    Spec("dhcpd enable <if:WORD>", "dhcpd", 0, spaces=ALONE),
    Spec("dhcpd dns <servers:LINE>", "dhcpd", 2, spaces=ALONE),
    Spec("dhcpd wins <servers:LINE>", "dhcpd", 2, spaces=ALONE),
    Spec("dhcpd lease <s:INT:300-1048575>", "dhcpd", 2, spaces=ALONE),
    Spec("dhcpd domain <name:WORD>", "dhcpd", 2, spaces=ALONE),
    Spec("dhcpd ping_timeout <ms:INT:10-10000>", "dhcpd", 2, spaces=ALONE),
    Spec("dhcpd auto_config <if:WORD>", "dhcpd", 2, spaces=ALONE),
    Spec("dhcpd option <code:INT:2-254> {ip|ascii|hex} <rest:LINE>", "dhcpd", 3, spaces=ALONE),
    Spec("dhcprelay server <ip:IP> <if:WORD>", "dhcpd", 0, spaces=ALONE),
    Spec("dhcprelay enable <if:WORD>", "dhcpd", 0, spaces=ALONE),
    Spec("threat-detection basic-threat", "threat-detection", 2),
    Spec("threat-detection statistics [<rest:LINE>]", "threat-detection", 0),
    Spec("threat-detection rate <rest:LINE>", "threat-detection", 0),
    Spec("threat-detection scanning-threat [<rest:LINE>]", "threat-detection", 2),
    Spec("ntp authenticate", "ntp", 2, spaces=PLATFORM),
    Spec("ntp authentication-key <n:INT:1-4294967295> md5 <secret:WORD>", "ntp", 3, spaces=PLATFORM),
    Spec("ntp trusted-key <n:INT:1-4294967295>", "ntp", 0, spaces=PLATFORM),
    Spec("ntp server <ip:IP> [<rest:LINE>]", "ntp", 3, spaces=PLATFORM),
    Spec("ssl encryption <rest:LINE>", "ssl", 2, spaces=ALONE),
    Spec("ssl trust-point <name:WORD> [<if:WORD>]", "ssl", 0, spaces=ALONE),
    Spec("webvpn", "webvpn", 1, spaces=ALONE, enters="config-webvpn", children=(
        Spec("enable <if:WORD>", "", 0), Spec("svc image <path:WORD> [<n:INT:1-65535>]", "", 0),
        Spec("svc enable", "", 2), Spec("tunnel-group-list enable", "", 2))),
    Spec("group-policy <name:WORD> {internal|external} [<rest:LINE>]", "group-policy", 2, spaces=ALONE),
    Spec("group-policy <name:WORD> attributes", "group-policy", 3, spaces=ALONE,
         enters="config-group-policy", children=(
        Spec(f"{GROUP_POLICY_ATTRIBUTES} <value:LINE>", "", 1),)),
    Spec("tunnel-group <name:WORD> type {remote-access|ipsec-l2l|ipsec-ra|webvpn}", "tunnel-group", 3, spaces=ALONE),
    Spec("tunnel-group <name:WORD> general-attributes", "tunnel-group", 3, spaces=ALONE,
         enters="config-tunnel-general", children=(
        Spec("address-pool <pools:LINE>", "", 1), Spec("default-group-policy <name:WORD>", "", 1),
        Spec("authentication-server-group <rest:LINE>", "", 1), Spec("accounting-server-group <name:WORD>", "", 1),
        Spec("authorization-server-group <name:WORD>", "", 1), Spec("dhcp-server <ip:IP>", "", 0))),
    Spec("tunnel-group <name:WORD> ipsec-attributes", "tunnel-group", 3, spaces=ALONE,
         enters="config-tunnel-ipsec", children=(
        Spec("pre-shared-key <key:WORD>", "", 1), Spec("peer-id-validate {req|cert|nocheck}", "", 1),
        Spec("trust-point <name:WORD>", "", 1), Spec("isakmp keepalive <rest:LINE>", "", 2),
        Spec("radius-sdi-xauth", "", 1))),
    Spec("tunnel-group <name:WORD> webvpn-attributes", "tunnel-group", 3, spaces=ALONE,
         enters="config-tunnel-webvpn", children=(
        Spec("group-alias <alias:WORD> {enable|disable}", "", 0),
        Spec("group-url <url:WORD> {enable|disable}", "", 0))),
    Spec("privilege {show|clear|cmd|configure} level <n:INT:0-15> [mode {exec|configure}] command <name:WORD>",
         "privilege", 0),
    Spec("ssh key-exchange group {dh-group1-sha1|dh-group14-sha1}", "ssh", 2, versions="8.0-"),
    Spec("auth-prompt {prompt|accept|reject} <text:LINE>", "auth-prompt", 2),
    Spec("service resetoutside", "service", 2),
]

for _spec in SPECS:
    keep(_spec)
