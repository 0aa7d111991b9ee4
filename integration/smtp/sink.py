#!/usr/bin/env python3
"""SMTP servers for kad's e-mail alert tests (integration/tests/smtp_alerts.rs).

  sink.py sink HOST PORT DIR   a real SMTP server (aiosmtpd): every message
                               received becomes DIR/mail-<n>.json with the
                               HELO/EHLO name, envelope and data as sent.
  sink.py blackhole HOST PORT  accepts TCP connections and never answers.
"""
import json
import os
import signal
import socket
import sys
import time


def sink(host, port, outdir):
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            msg = {
                "helo": session.host_name,
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "data": envelope.original_content.decode("utf-8", "replace"),
            }
            name = "mail-%d" % time.time_ns()
            tmp = os.path.join(outdir, name + ".tmp")
            with open(tmp, "w") as f:
                json.dump(msg, f)
            os.rename(tmp, os.path.join(outdir, name + ".json"))
            return "250 OK"

    c = Controller(Handler(), hostname=host, port=port)
    c.start()
    print("ready", flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    c.stop()


def blackhole(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(128)
    print("ready", flush=True)
    held = []
    while True:
        conn, _ = s.accept()
        held.append(conn)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "sink":
        sink(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif mode == "blackhole":
        blackhole(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("unknown mode " + mode)
