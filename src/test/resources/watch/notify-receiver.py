# Stands in for PID 1's end of NOTIFY_SOCKET in WatchNotifyLiveTest: binds the datagram
# socket, prints each message on one line ("|" for newlines) and closes any file descriptors
# passed with it, as systemd does for systemd-notify's BARRIER=1 (the sender waits for that
# close). Java cannot bind a unix datagram socket, hence Python.
import array
import os
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
            for fd in fds:
                os.close(fd)
    print(msg.decode("utf-8", "replace").replace("\n", "|"), flush=True)
