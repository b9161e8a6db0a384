"""Passwords, local users and `aaa authentication`: who may log in and enable."""

from __future__ import annotations

from dataclasses import dataclass

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.features import Feature
from vpix.features.aaa.pixmd5 import pix_md5

DEFAULT_PASSWD = pix_md5("cisco")
SERVICES = ("enable", "http", "serial", "ssh", "telnet")


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
        self.authentication: dict[str, str] = {}     # service -> server group (LOCAL)

    # ------------------------------------------------------------ checks used by logins

    def check_enable(self, password: str, username: str | None = None) -> bool:
        if self.authentication.get("enable") == "LOCAL" and username in self.users:
            return self.check_user(username, password) is not None
        return pix_md5(password) == self.enable_hash

    def check_passwd(self, password: str) -> bool:
        return pix_md5(password) == self.passwd_hash

    def check_user(self, name: str, password: str) -> User | None:
        user = self.users.get(name)
        if user is None:
            return None
        if user.hash is None or user.hash == pix_md5(password, name):
            return user
        return None

    def uses_local(self, service: str) -> bool:
        return self.authentication.get(service) == "LOCAL"

    def check_login(self, service: str, name: str, password: str) -> bool:
        """SSH and Telnet logins: local users with `aaa authentication … LOCAL`, else the
        login password (`passwd`), with the user name `pix` for SSH."""
        if self.uses_local(service):
            return self.check_user(name, password) is not None
        if service == "ssh" and name != "pix":
            return False
        return self.check_passwd(password)

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
                     for svc, grp in sorted(self.authentication.items())]),
        ]


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


@command("aaa authentication {enable|http|serial|ssh|telnet} console <group:WORD>", mode="config",
         config=True, help=_HELP)
def aaa_authentication(ctx: Ctx):
    service = next(s for s in SERVICES if ctx.args.get(s))
    _aaa(ctx).authentication[service] = ctx.args["group"]


@command("no aaa authentication {enable|http|serial|ssh|telnet} console [<group:WORD>]",
         mode="config", config=True, help=_HELP)
def no_aaa_authentication(ctx: Ctx):
    service = next(s for s in SERVICES if ctx.args.get(s))
    _aaa(ctx).authentication.pop(service, None)
