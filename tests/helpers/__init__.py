"""What several test modules share: real servers started and waited for, clients that wait for
what they expect, units served over sockets. Test modules import from here, never from each other."""
