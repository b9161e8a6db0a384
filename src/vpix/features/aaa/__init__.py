"""Passwords, local users and `aaa authentication`: who may log in and enable."""

from __future__ import annotations

from dataclasses import dataclass

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.features import Feature
from vpix.features.aaa.pixmd5 import pix_md5

DEFAULT_PASSWD = pix_md5("cisco")
SERVICES = ("enable", "http", "serial", "ssh", "telnet")
ATTEMPTS = 3            # wrong passwords one login (or one `enable`) takes before it gives up
FAILURE_DELAY = 1.0     # seconds a wrong password costs before the next question
UNLOCKABLE = 15         # the privilege a lockout never applies to: the device keeps its administrators


@dataclass
class User:
    hash: str | None           # None: nopassword
    privilege: int = 2


class Aaa(Feature):
    def __init__(self, system):
        super().__init__(system)
        self.enable_hash = pix_md5("")
        self.passwd_hash = DEFAULT_PASSWD
        self.users: dict[str, User] = {}
        self.authentication: dict[str, str] = {}     # service -> server group (LOCAL), its LOCAL fallback
        self.max_fail: int | None = None             # `aaa local authentication attempts max-fail`
        self.failures: dict[str, int] = {}           # user -> successive failures (not configuration)

    # ------------------------------------------------------------ checks used by logins

    def check_enable(self, password: str, username: str | None = None) -> bool:
        if self.uses_local("enable") and username in self.users:
            return self.authenticate(username, password) is not None
        return pix_md5(password) == self.enable_hash

    def check_passwd(self, password: str) -> bool:
        return pix_md5(password) == self.passwd_hash

    def authenticate(self, name: str, password: str) -> User | None:
        """A local user whose password this is and who is not locked out. Each rejection is
        logged (113015) and counted towards the user's lockout (113006)."""
        user = self.users.get(name)
        if user is not None and not self.locked(name) and (user.hash is None or user.hash == pix_md5(password, name)):
            self.failures.pop(name, None)
            return user
        reason = "User was not found" if user is None else "Invalid password"
        self.system.syslog(6, 113015, f"AAA user authentication Rejected : reason = {reason} : "
                                      f"local database : user = {name}")
        if user is not None and user.privilege < UNLOCKABLE and not self.locked(name):
            self.failures[name] = self.failures.get(name, 0) + 1
            if self.locked(name):
                self.system.syslog(6, 113006, f"User '{name}' locked out on exceeding '{self.max_fail}' "
                                              "successive failed authentication attempts")
        return None

    def locked(self, name: str) -> bool:
        return self.max_fail is not None and self.failures.get(name, 0) >= self.max_fail

    def uses_local(self, service: str) -> bool:
        """LOCAL, or a server group with LOCAL behind it: vpix has no RADIUS or TACACS+ client,
        so the group's servers never answer and the device falls back to its local users."""
        method = self.authentication.get(service)
        return method is not None and method.split()[-1] == "LOCAL"

    def check_login(self, service: str, name: str, password: str, peer=None) -> bool:
        """SSH and Telnet logins: local users with `aaa authentication … LOCAL`, else the
        login password (`passwd`), with the user name `pix` for SSH. A refusal is logged
        (605004) with where it came from."""
        if self.uses_local(service):
            ok = self.authenticate(name, password) is not None
        elif service in self.authentication:            # a server group that never answers
            ok = False
        else:
            ok = (service != "ssh" or name == "pix") and self.check_passwd(password)
        if not ok and peer is not None:
            self.system.syslog(6, 605004, f'Login denied from {peer.address}/{peer.port} to '
                                          f'{self._landing(service, peer)} for user "{name}"')
        return ok

    def _landing(self, service: str, peer) -> str:
        """interface:address/service where the session from the station ``peer`` landed."""
        from vpix.features.interfaces import Interfaces
        from vpix.features.mgmt_access import MgmtAccess

        permit = self.system.feature(MgmtAccess).permit_for(service, peer)
        iface = self.system.feature(Interfaces).by_name(permit.ifname) if permit else None
        if iface is None:
            return f"console/{service}"
        return f"{iface.nameif}:{iface.ip or '0.0.0.0'}/{service}"

    # ------------------------------------------------------------ configuration

    def render(self, full):
        users = []
        for name, user in sorted(self.users.items()):
            secret = "nopassword" if user.hash is None else f"password {user.hash} encrypted"
            users.append(f"username {name} {secret} privilege {user.privilege}")
        return [
            ("enable", [f"enable password {self.enable_hash} encrypted"]),
            ("passwd", [f"passwd {self.passwd_hash} encrypted"]),
            ("username", users),
            ("aaa", [f"aaa authentication {svc} console {grp}"
                     for svc, grp in sorted(self.authentication.items())]
             + ([f"aaa local authentication attempts max-fail {self.max_fail}"] if self.max_fail else [])),
        ]

    def show_users(self, locked_only: bool) -> list[str]:
        """`show aaa local user [locked]`."""
        rows = [(self.failures.get(name, 0), self.locked(name), name) for name in sorted(self.users)]
        rows = [r for r in rows if r[1] or (not locked_only and r[0])]
        if not rows:
            return ["No users in the database are locked out"] if locked_only else []
        return ["Lock Time Failed-Attempts Locked User"] + [
            f"    -     {count:>9}          {'Y' if locked else 'N'}    {name}" for count, locked, name in rows]


def _aaa(ctx: Ctx) -> Aaa:
    return ctx.system.feature(Aaa)


def _hash(ctx: Ctx, arg: str, salt: str = "") -> str:
    value = ctx.args[arg]
    if ctx.args.get("encrypted"):
        if len(value) != 16:
            raise CommandError("ERROR: Invalid encrypted password")
        return value
    if len(value) > 32:
        raise CommandError("ERROR: Password length must be less than 32 characters")
    return pix_md5(value, salt)


_HELP = {
    "enable": "Configure the password for the enable command",
    "password": "Assign the privileged mode password",
    "pw": "The password",
    "encrypted": "Indicates the password entered is encrypted",
    "level": "Enter the privilege level for the password",
    "passwd": "Change Telnet/SSH login password",
    "username": "Configure user authentication local database",
    "name": "The user name",
    "nopassword": "Indicates that this user has no password",
    "privilege": "Enter the privilege level for this user",
    "aaa": "Enable, disable, or view user authentication, authorization and accounting",
    "authentication": "Enable or disable user authentication",
    "console": "Specify this keyword to identify a server group for console access",
    "group": "Server group name (LOCAL for the local user database)",
    "local": "Local user database",
    "attempts": "Failed authentication attempts",
    "max-fail": "Lock a local user out after this many successive failed attempts",
    "n": "Number of failed attempts",
    "show": "Show running system information",
    "user": "Local users",
    "locked": "Only the users who are locked out",
    "clear": "Reset functions",
    "lockout": "Unlock users",
    "fail-attempts": "Reset the count of failed attempts",
    "all": "Every user",
}


@command("enable password <pw:WORD> [level <level:INT:0-15>] [encrypted]", mode="config",
         config=True, help=_HELP)
def enable_password(ctx: Ctx):
    _aaa(ctx).enable_hash = _hash(ctx, "pw")


@command("no enable password [<pw:WORD>] [level <level:INT:0-15>] [encrypted]", mode="config",
         config=True, help=_HELP)
def no_enable_password(ctx: Ctx):
    _aaa(ctx).enable_hash = pix_md5("")


@command("passwd <pw:WORD> [encrypted]", mode="config", config=True, help=_HELP)
@command("password <pw:WORD> [encrypted]", mode="config", config=True, versions="7.x", help=_HELP,
         hidden=True)
def passwd(ctx: Ctx):
    _aaa(ctx).passwd_hash = _hash(ctx, "pw")


@command("no passwd [<pw:WORD>] [encrypted]", mode="config", config=True, help=_HELP)
def no_passwd(ctx: Ctx):
    _aaa(ctx).passwd_hash = DEFAULT_PASSWD


@command("username <name:WORD> password <pw:WORD> [encrypted] [privilege <level:INT:0-15>]",
         mode="config", config=True, help=_HELP)
@command("username <name:WORD> nopassword [privilege <level:INT:0-15>]",
         mode="config", config=True, help=_HELP)
def username(ctx: Ctx):
    name = ctx.args["name"]
    if len(name) < 3 or len(name) > 64:
        raise CommandError("ERROR: Username must be between 3 and 64 characters")
    secret = None if ctx.args.get("nopassword") else _hash(ctx, "pw", name)
    level = ctx.args.get("level", 2)
    _aaa(ctx).users[name] = User(secret, level)


@command("no username <name:WORD> [password <pw:WORD>] [encrypted] [privilege <level:INT:0-15>]",
         mode="config", config=True, help=_HELP)
def no_username(ctx: Ctx):
    if _aaa(ctx).users.pop(ctx.args["name"], None) is None:
        raise CommandError(f"ERROR: User '{ctx.args['name']}' does not exist")


@command("aaa authentication {enable|http|serial|ssh|telnet} console <group:WORD> [LOCAL]", mode="config",
         config=True, help=_HELP)
def aaa_authentication(ctx: Ctx):
    service = next(s for s in SERVICES if ctx.args.get(s))
    group = ctx.args["group"]
    if group.upper() == "LOCAL":
        group = "LOCAL"
    fallback = " LOCAL" if ctx.args.get("local") and group != "LOCAL" else ""
    _aaa(ctx).authentication[service] = group + fallback


@command("no aaa authentication {enable|http|serial|ssh|telnet} console [<group:WORD>]",
         mode="config", config=True, help=_HELP)
def no_aaa_authentication(ctx: Ctx):
    service = next(s for s in SERVICES if ctx.args.get(s))
    _aaa(ctx).authentication.pop(service, None)


@command("aaa local authentication attempts max-fail <n:INT:1-16>", mode="config", versions="7.x", config=True,
         help=_HELP)
def max_fail(ctx: Ctx):
    _aaa(ctx).max_fail = ctx.args["n"]


@command("no aaa local authentication attempts max-fail [<n:INT:1-16>]", mode="config", versions="7.x",
         config=True, help=_HELP)
def no_max_fail(ctx: Ctx):
    _aaa(ctx).max_fail = None


@command("show aaa local user [locked]", versions="7.x", priv=15, help=_HELP)
def show_local_user(ctx: Ctx):
    for line in _aaa(ctx).show_users(bool(ctx.args.get("locked"))):
        ctx.print(line)


@command("clear aaa local user {lockout|fail-attempts} {all|username <name:WORD>}", versions="7.x", priv=15,
         help=_HELP)
def clear_local_user(ctx: Ctx):
    failures = _aaa(ctx).failures
    if ctx.args.get("all"):
        failures.clear()
    else:
        failures.pop(ctx.args["name"], None)
