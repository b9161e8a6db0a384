"""A unit driven through its console as a person would: modes, prompts, errors, help, pager."""

import re

from vpix.cli.output import MORE
from vpix.features.aaa import FAILURE_DELAY


def test_boot_reaches_user_prompt_with_greeting(boot):
    unit, term = boot()
    text = "".join(unit.console.history)
    assert "Use BREAK or ESC to interrupt flash boot." in text
    assert "Cisco PIX Security Appliance Software Version 7.2(1)" in text
    assert text.endswith("Type help or '?' for a list of available commands.\npixfirewall> ")


def test_modes_and_prompts(boot):
    unit, term = boot()
    assert term.type("enable\n").endswith("Password: ")
    assert term.type("\n").endswith("\npixfirewall# ")
    assert term.type("conf t\n").endswith("pixfirewall(config)# ")
    assert term.type("interface Ethernet0\n").endswith("pixfirewall(config-if)# ")
    assert term.type("exit\n").endswith("pixfirewall(config)# ")
    assert term.type("int e1\n").endswith("pixfirewall(config-if)# ")
    assert term.type("\x1a").endswith("pixfirewall# ")
    term.type("configure terminal\n")
    assert term.type("end\n").endswith("pixfirewall# ")
    assert term.type("disable\n").endswith("pixfirewall> ")


def test_global_command_in_submode_leaves_submode(pix7):
    unit, term = pix7
    term.cmd("conf t")
    term.cmd("interface Ethernet0")
    assert term.type("hostname fw\n").endswith("fw(config)# ")


def test_exec_commands_work_in_config_mode(pix7):
    unit, term = pix7
    term.cmd("conf t")
    assert "Username : enable_15" in term.cmd("show curpriv")


def test_enable_password_and_refusal(boot):
    unit, term = boot(config="enable password s3cret\n")
    term.type("enable\n")
    assert term.type("wrong\n") == "*****\n"          # a wrong password costs a pause first
    assert term.wait(FAILURE_DELAY).startswith("Invalid password\nPassword: ")
    term.type("bad\n")
    term.wait(FAILURE_DELAY)
    term.type("worse\n")
    out = term.wait(FAILURE_DELAY)
    assert "Access denied." in out and out.endswith("pixfirewall> ")
    term.type("enable\n")
    assert term.type("s3cret\n").endswith("pixfirewall# ")


def test_invalid_input_caret_under_the_bad_word(pix7):
    unit, term = pix7
    out = term.cmd("show verzion")
    assert out == (" " * len("pixfirewall# show ") + "^\n"
                   "ERROR: % Invalid input detected at '^' marker.\n")


def test_incomplete_and_ambiguous(pix7):
    unit, term = pix7
    assert term.cmd("show") == "ERROR: % Incomplete command\n"
    term.cmd("conf t")
    assert term.cmd("no") == "ERROR: % Incomplete command\n"
    assert term.cmd("pa 5") == 'ERROR: % Ambiguous command: "pa 5"\n'


def test_user_mode_hides_privileged_commands(boot):
    unit, term = boot()
    assert "Invalid input" in term.cmd("show running-config")
    assert "Invalid input" in term.cmd("configure terminal")


def test_question_mark_help(pix7):
    unit, term = pix7
    out = term.type("show ver?")
    assert out == "show ver?\nversion\npixfirewall# show ver"
    term.type("\x15")  # Ctrl-U clears the line
    out = term.type("show version ?")
    assert "<cr>" in out and out.endswith("pixfirewall# show version ")
    term.type("\x15")
    out = term.type("?")
    assert re.search(r"^  configure\s+Configure from the terminal$", out, re.M)
    assert re.search(r"^  show\s+Show running system information$", out, re.M)


def test_tab_completes_a_unique_word(pix7):
    unit, term = pix7
    assert term.type("show versi\t") == "show version "
    assert "Cisco PIX Security Appliance" in term.type("\n")


def test_output_filters(pix7):
    unit, term = pix7
    assert term.cmd("show running-config | include hostname") == "hostname pixfirewall\n"
    out = term.cmd("show running-config | exclude i")
    assert "hostname" not in out and ": end\n" in out
    out = term.cmd("sh run | begin ^interface Ethernet5")
    assert out.startswith("interface Ethernet5\n")
    assert term.cmd("show run | grep -v e") .count("\n") >= 1
    assert "hostname" in term.cmd("show run | g host")
    assert "Invalid input" in term.cmd("show run | frobnicate x")


def test_pager_space_return_and_q(pix7):
    unit, term = pix7
    term.configure("pager lines 5")
    out = term.type("show running-config\n")
    assert out.endswith(MORE) and out.count("\n") == 6
    out = term.type("\r")
    assert out.count("\n") == 1 and out.endswith(MORE)
    out = term.type(" ")
    assert out.count("\n") == 5
    out = term.type("q")
    assert out.endswith("pixfirewall# ")
    term.cmd("terminal pager 0")
    assert MORE not in term.type("show running-config\n")
    term.cmd("no terminal pager")
    assert MORE not in term.type("show running-config\n")


def test_hostname_changes_prompt_and_config(pix7):
    unit, term = pix7
    term.cmd("configure terminal")
    assert term.type("hostname fw-a\n").endswith("fw-a(config)# ")
    assert "hostname fw-a" in term.cmd("show running-config")
    assert "Invalid input" in term.cmd("hostname 9bad")
    term.cmd("no hostname")
    assert unit.system.prompt_name() == "pixfirewall"


def test_interfaces_7x(pix7):
    unit, term = pix7
    term.cmd("conf t")
    term.cmd("interface Ethernet0")
    assert term.cmd("nameif outside") == 'INFO: Security level for "outside" set to 0 by default.\n'
    term.cmd("ip address 172.16.1.1 255.255.255.0 standby 172.16.1.2")
    term.cmd("no shutdown")
    term.cmd("interface Ethernet1")
    term.cmd("nameif inside")
    assert "overlaps" in term.cmd("ip address 172.16.1.9 255.255.0.0")
    term.cmd("ip address 10.0.0.1 255.255.255.0")
    term.cmd("end")
    run = term.cmd("show running-config interface")
    assert ("interface Ethernet0\n nameif outside\n security-level 0\n"
            " ip address 172.16.1.1 255.255.255.0 standby 172.16.1.2\n") in run
    assert "interface Ethernet1\n shutdown\n nameif inside\n security-level 100\n" in run
    out = term.cmd("show interface Ethernet0")
    assert out.startswith('Interface Ethernet0 "outside", is up, line protocol is up')
    assert 'Interface Ethernet1 "inside", is administratively down' in term.cmd("show interface")
    assert "Ethernet0                outside                172.16.1.1      255.255.255.0   CONFIG" \
        in term.cmd("show ip address")
    assert "Ethernet1                inside                   100" in term.cmd("show nameif")
    term.cmd("conf t")
    term.cmd("interface Ethernet0")
    term.cmd("no ip address")
    term.cmd("no nameif")
    assert "interface Ethernet0\n no nameif\n security-level 0\n no ip address" in \
        term.cmd("show running-config interface Ethernet0")


def test_interfaces_6x_syntax(pix6):
    unit, term = pix6
    term.cmd("conf t")
    term.cmd("interface ethernet0 100full")
    term.cmd("interface ethernet2 auto")
    term.cmd("nameif ethernet2 dmz security50")
    term.cmd("ip address outside 172.16.1.1 255.255.255.0")
    run = term.cmd("write terminal")
    assert run.startswith("Building configuration...\n: Saved\n:\nPIX Version 6.3(5)\n")
    assert "interface ethernet0 100full\ninterface ethernet1 auto\ninterface ethernet2 auto\n" in run
    assert "nameif ethernet2 dmz security50\n" in run
    assert "ip address outside 172.16.1.1 255.255.255.0\n" in run
    assert "mtu dmz 1500\n" in run
    out = term.cmd("show interface ethernet0")
    assert out.startswith('interface ethernet0 "outside" is up, line protocol is up')
    assert "nameif ethernet2 dmz security50" in term.cmd("show nameif")


def test_6x_error_words(pix6):
    unit, term = pix6
    assert term.cmd("frobnicate") == "Type help or '?' for a list of available commands.\n"
    out = term.cmd("conf t")
    out = term.cmd("hostname")
    assert out.startswith("Usage:\thostname <newname>")


def test_names(pix7):
    unit, term = pix7
    term.cmd("conf t")
    term.cmd("name 10.1.1.10 web-server description the web server")
    run = term.cmd("show running-config")
    assert "names\nname 10.1.1.10 web-server description the web server\n" in run
    term.cmd("no name 10.1.1.10 web-server")
    assert "name 10.1.1.10" not in term.cmd("show running-config")


def test_users_and_passwords_render_hashed(pix7):
    unit, term = pix7
    term.cmd("conf t")
    term.cmd("enable password cisco")
    term.cmd("passwd secret")
    term.cmd("username admin password admin privilege 15")
    run = term.cmd("show running-config")
    assert "enable password 2KFQnbNIdI.2KYOU encrypted\n" in run
    assert re.search(r"^username admin password \S{16} encrypted privilege 15$", run, re.M)
    assert "passwd " in run and "secret" not in run
    assert "Username must be" in term.cmd("username ab password x")


def test_clock_set_and_show(pix7):
    unit, term = pix7
    term.cmd("clock set 21:30:00 Dec 26 2006")
    assert term.cmd("show clock").startswith("21:30:00.000 UTC Tue Dec 26 2006")
    unit.clock.advance(65)
    assert term.cmd("show clock").startswith("21:31:05")
    assert "Invalid input" in term.cmd("clock set 25:00:00 Dec 26 2006")
    assert "Invalid input" in term.cmd("clock set 10:00:00 Foo 26 2006")


def test_show_memory_both_families(pix7, boot):
    unit, term = pix7
    assert re.match(r"Free memory:\s+\d+ bytes \(\d+%\)\nUsed memory:", term.cmd("show memory"))
    unit6, term6 = boot(image_key="pix-6.3(5)", name="six")
    term6.cmd("enable"); term6.cmd("")
    assert re.match(r"134217728 bytes total, \d+ bytes free\n", term6.cmd("show memory"))


def test_dir_asa_layout(boot):
    unit, term = boot(platform="ASA5520", image_key="asa-7.2(1)")
    term.cmd("enable"); term.cmd("")
    out = term.cmd("dir")
    assert out.startswith("Directory of disk0:/\n\n")
    assert re.search(r"^\d+\s+-rw-\s+\d+\s+\d\d:\d\d:\d\d \w{3} \d\d \d{4}  asa721-k8.bin$", out, re.M)
    assert re.search(r"^268435456 bytes total \(\d+ bytes free/\d+% free\)$", out, re.M)


def test_terminal_width_is_config(pix7):
    unit, term = pix7
    term.cmd("conf t")
    term.cmd("terminal width 511")
    assert "terminal width 511" in term.cmd("show running-config")
    assert "Invalid input" in term.cmd("terminal width 600")


def test_logout_on_console_gives_a_fresh_session(pix7):
    unit, term = pix7
    out = term.type("exit\n")
    assert "Logoff" in out and out.endswith("pixfirewall> ")
    assert unit.console_session.priv == 1


def test_binary_garbage_and_long_lines_on_console(pix7):
    unit, term = pix7
    term.type("\x00\x01\x02\xff\x1b[A\x1b[1;5C" + "x" * 5000 + "\n")
    assert term.cmd("show curpriv").startswith("Username : enable_15")


def test_login_as_a_local_user(boot):
    unit, term = boot(config="username ops password opspass privilege 15\n")
    assert term.type("login\n").endswith("Username: ")
    assert term.type("ops\n").endswith("Password: ")
    assert term.type("opspass\n").endswith("pixfirewall# ")
    assert term.cmd("show curpriv").startswith("Username : ops\nCurrent privilege level : 15\n")
    term.cmd("disable")
    term.type("login\n")
    term.type("ops\n")
    term.type("nope\n")
    assert "Invalid password" in term.wait(FAILURE_DELAY)


def test_show_running_config_all_and_feature(pix7):
    unit, term = pix7
    term.cmd("conf t")
    term.cmd("domain-name example.net")
    plain = term.cmd("show running-config")
    full = term.cmd("show running-config all")
    assert "domain-name example.net\n" in plain
    assert " speed auto\n" in full and " speed auto\n" not in plain
    assert term.cmd("show running-config domain-name") == "domain-name example.net\n"
    assert term.cmd("show running-config telnet") == "telnet timeout 5\n"
    term.cmd("no domain-name")
    assert term.cmd("show running-config domain-name") == ""


def test_idle_telnet_and_ssh_sessions_are_hung_up(pix7):
    from vpix.features.aaa.terminal import RemoteTerminal

    unit, term = pix7
    term.configure("telnet timeout 2")
    hung = []
    remote = RemoteTerminal(unit.system, "telnet", lambda text: None, lambda: hung.append("telnet"))
    remote.start()
    unit.clock.advance(119)
    remote.feed("x")                      # typing keeps it alive
    unit.clock.advance(119)
    assert hung == []
    unit.clock.advance(2)
    assert hung == ["telnet"]
    shell = RemoteTerminal(unit.system, "ssh", lambda text: None, lambda: hung.append("ssh"), login=False)
    shell.start()
    unit.clock.advance(5 * 60 + 1)        # the default ssh timeout
    assert hung == ["telnet", "ssh"] and shell.session.closed


def test_console_timeout_logs_the_console_out(pix7):
    unit, term = pix7
    term.configure("console timeout 1")
    unit.clock.advance(59)
    assert unit.console_session.priv == 15
    unit.clock.advance(2)
    assert unit.console_session.priv == 1          # a fresh session waits on the line
    assert term.read().endswith("pixfirewall> ")


def test_show_history_lists_what_was_typed(pix7):
    unit, term = pix7
    term.cmd("show version | include Version")
    term.cmd("show curpriv")
    assert term.cmd("show history").splitlines()[-3:] == ["  show version | include Version", "  show curpriv",
                                                           "  show history"]


def test_rommon_help_and_boot_say_each_line_once(tmp_path, images):
    from conftest import Terminal, make_unit

    unit = make_unit(tmp_path, images, platform="ASA5520", image_key="asa-7.2(1)", break_window=5.0)
    term = Terminal(unit)
    unit.power_on()
    term.type("\x1b")
    unit.clock.advance(1)
    assert "tftpdnld" in term.type("?\n")
    term.type("boot\n")
    unit.clock.advance(2)
    assert unit.console.text().count("Launching BootLoader...") == 1
