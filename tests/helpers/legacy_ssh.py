"""How a client reaches the SSH of a 7.x/8.0 unit, as users of the real device do: with the
old algorithms it speaks (diffie-hellman-group1-sha1, CBC ciphers, an ssh-rsa host key)
switched back on, since today's clients leave them off."""

OPENSSH = ["-o", "KexAlgorithms=+diffie-hellman-group1-sha1", "-o", "HostKeyAlgorithms=+ssh-rsa",
           "-o", "Ciphers=+aes128-cbc"]
ASYNCSSH = dict(kex_algs=["diffie-hellman-group1-sha1"], encryption_algs=["aes128-cbc"], mac_algs=["hmac-sha1"],
                server_host_key_algs=["ssh-rsa"])
# The same for paramiko (Netmiko), which has no option for it: its preference lists grow
PARAMIKO = ("import paramiko\n"
            "paramiko.Transport._preferred_kex += ('diffie-hellman-group1-sha1',)\n"
            "paramiko.Transport._preferred_keys += ('ssh-rsa',)\n")


def paramiko_speaks_old_ssh() -> None:
    """Let paramiko (in this process) negotiate with an old ASA."""
    import paramiko

    if "diffie-hellman-group1-sha1" not in paramiko.Transport._preferred_kex:
        exec(PARAMIKO, {})
