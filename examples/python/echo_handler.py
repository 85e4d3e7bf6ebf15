#!/usr/bin/env python3
"""An ExProto handler in Python, written against EMQX's exproto.proto (emqx.exproto.v1) only.

It authenticates each device, starts its keepalive timer, subscribes it to devices/<clientid>/down,
publishes what the device sends to devices/<clientid>/down (so it comes back through the broker),
and sends every delivered message back to the device. Nothing in it knows which gateway it talks
to: it is the kind of handler people wrote for EMQX 5.1+, and runs against exproto unchanged.

It serves either handler service of the proto (--service):
  ConnectionUnaryHandler  the default: one unary call per callback
  ConnectionHandler       the older streaming form: each callback type is a client stream of
                          requests; every request is handled exactly as the unary call would be

It prints one line per event, flushed, so scripts and tests can follow it:
  python handler ready on 127.0.0.1:<port>, service <service>, adapter <host:port>
  OnSocketCreated <clientid> <peer host>:<peer port>
  OnTimerTimeout <clientid> KEEPALIVE
  OnSocketClosed <clientid> <reason>

Needs grpcio and grpcio-tools (Debian: python3-grpcio python3-grpc-tools). Usage:
  /usr/bin/python3 echo_handler.py --port 9001 --adapter 127.0.0.1:9100
  /usr/bin/python3 echo_handler.py --port 0 --service ConnectionHandler --keepalive 30
"""
import argparse
import atexit
import os
import shutil
import signal
import sys
import tempfile
import threading
from concurrent import futures

import grpc

_LOG_LOCK = threading.Lock()


def log(line):
    """Prints one whole line: print() from several gRPC threads can interleave its parts."""
    with _LOG_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "..", "exproto-grpc", "src", "main", "protobuf")
SERVICES = ("ConnectionUnaryHandler", "ConnectionHandler")


def load_stubs():
    """Generates the Python stubs from exproto.proto into a temporary folder and imports them."""
    out = tempfile.mkdtemp(prefix="exproto-py-")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    rc = protoc.main(["protoc", "-I" + PROTO_DIR, "--python_out=" + out,
                      "--grpc_python_out=" + out, os.path.join(PROTO_DIR, "exproto.proto")])
    if rc != 0:
        sys.exit("protoc failed with exit code %d" % rc)
    sys.path.insert(0, out)
    import exproto_pb2
    import exproto_pb2_grpc
    return exproto_pb2, exproto_pb2_grpc


pb, pb_grpc = load_stubs()


class EchoLogic:
    """What the handler does with each callback; both services below call it."""

    def __init__(self, adapter_address, keepalive):
        self.channel = grpc.insecure_channel(adapter_address)
        self.adapter = pb_grpc.ConnectionAdapterStub(self.channel)
        self.keepalive = keepalive
        self.clients = {}
        self.set_up = {}  # conn -> threading.Event, set once OnSocketCreated has done its calls
        self.lock = threading.Lock()
        self.counter = 0

    def set_up_event(self, conn):
        with self.lock:
            return self.set_up.setdefault(conn, threading.Event())

    def check(self, name, resp):
        if resp.code != pb.SUCCESS:
            log("%s failed: %s %s" % (name, pb.ResultCode.Name(resp.code), resp.message))
        return resp

    def socket_created(self, request):
        with self.lock:
            self.counter += 1
            clientid = "py-%d" % self.counter
            self.clients[request.conn] = clientid
        log("OnSocketCreated %s %s:%d" % (clientid, request.conninfo.peername.host,
                                            request.conninfo.peername.port))
        info = pb.ClientInfo(proto_name="demo", proto_ver="1", clientid=clientid, username="py")
        try:
            self.check("Authenticate", self.adapter.Authenticate(
                pb.AuthenticateRequest(conn=request.conn, clientinfo=info, password="secret"),
                timeout=5))
            self.check("StartTimer", self.adapter.StartTimer(
                pb.TimerRequest(conn=request.conn, type=pb.KEEPALIVE, interval=self.keepalive),
                timeout=5))
            self.check("Subscribe", self.adapter.Subscribe(
                pb.SubscribeRequest(conn=request.conn, topic="devices/%s/down" % clientid, qos=1),
                timeout=5))
        finally:
            self.set_up_event(request.conn).set()

    def received_bytes(self, request):
        # The unary service never calls OnReceivedBytes before OnSocketCreated has returned. The
        # streaming one has a stream per callback type, so the bytes may come while OnSocketCreated
        # is still authenticating and subscribing: wait for it (a no-op with the unary service).
        if not self.set_up_event(request.conn).wait(timeout=5):
            log("OnReceivedBytes before OnSocketCreated finished; publishing anyway")
        clientid = self.clients.get(request.conn)
        self.check("Publish", self.adapter.Publish(
            pb.PublishRequest(conn=request.conn, topic="devices/%s/down" % clientid, qos=1,
                              payload=request.bytes), timeout=5))

    def timer_timeout(self, request):
        log("OnTimerTimeout %s %s" % (self.clients.get(request.conn),
                                        pb.TimerType.Name(request.type)))

    def received_messages(self, request):
        for m in request.messages:
            self.check("Send", self.adapter.Send(
                pb.SendBytesRequest(conn=request.conn, bytes=m.payload), timeout=5))

    def socket_closed(self, request):
        with self.lock:
            clientid = self.clients.pop(request.conn, None)
            self.set_up.pop(request.conn, None)
        log("OnSocketClosed %s %s" % (clientid, request.reason))


class UnaryHandler(pb_grpc.ConnectionUnaryHandlerServicer):
    """ConnectionUnaryHandler: one call per callback."""

    def __init__(self, logic):
        self.logic = logic

    def OnSocketCreated(self, request, context):
        self.logic.socket_created(request)
        return pb.EmptySuccess()

    def OnReceivedBytes(self, request, context):
        self.logic.received_bytes(request)
        return pb.EmptySuccess()

    def OnTimerTimeout(self, request, context):
        self.logic.timer_timeout(request)
        return pb.EmptySuccess()

    def OnReceivedMessages(self, request, context):
        self.logic.received_messages(request)
        return pb.EmptySuccess()

    def OnSocketClosed(self, request, context):
        self.logic.socket_closed(request)
        return pb.EmptySuccess()


class StreamingHandler(pb_grpc.ConnectionHandlerServicer):
    """ConnectionHandler: each callback type arrives as a client stream of requests (from one or
    many connections); each request is handled as it arrives, and the call answers EmptySuccess
    when the gateway ends the stream."""

    def __init__(self, logic):
        self.logic = logic

    def OnSocketCreated(self, request_iterator, context):
        for req in request_iterator:
            self.logic.socket_created(req)
        return pb.EmptySuccess()

    def OnReceivedBytes(self, request_iterator, context):
        for req in request_iterator:
            self.logic.received_bytes(req)
        return pb.EmptySuccess()

    def OnTimerTimeout(self, request_iterator, context):
        for req in request_iterator:
            self.logic.timer_timeout(req)
        return pb.EmptySuccess()

    def OnReceivedMessages(self, request_iterator, context):
        for req in request_iterator:
            self.logic.received_messages(req)
        return pb.EmptySuccess()

    def OnSocketClosed(self, request_iterator, context):
        for req in request_iterator:
            self.logic.socket_closed(req)
        return pb.EmptySuccess()


def host_port(value):
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT, got %r" % value)
    return value


def positive(value):
    n = int(value)
    if n <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds, got %r" % value)
    return n


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=9001,
                   help="port to serve the handler on, on 127.0.0.1 (0: any free port; the ready "
                        "line says which)")
    p.add_argument("--adapter", type=host_port, default="127.0.0.1:9100",
                   help="the gateway's ConnectionAdapter, HOST:PORT")
    p.add_argument("--keepalive", type=positive, default=60,
                   help="the KEEPALIVE interval passed to StartTimer, in seconds (the gateway "
                        "closes a device silent for 1.5 times that)")
    p.add_argument("--service", choices=SERVICES, default=SERVICES[0],
                   help="which handler service to serve (the gateway's handler.service_name)")
    args = p.parse_args()

    logic = EchoLogic(args.adapter, args.keepalive)
    # Every open stream of the streaming service holds a worker thread for as long as it lasts,
    # so leave plenty of room beyond what the unary service needs.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64))
    if args.service == "ConnectionHandler":
        pb_grpc.add_ConnectionHandlerServicer_to_server(StreamingHandler(logic), server)
    else:
        pb_grpc.add_ConnectionUnaryHandlerServicer_to_server(UnaryHandler(logic), server)
    port = server.add_insecure_port("127.0.0.1:%d" % args.port)
    if port == 0:
        sys.exit("cannot listen on 127.0.0.1:%d" % args.port)
    server.start()
    log("python handler ready on 127.0.0.1:%d, service %s, adapter %s"
          % (port, args.service, args.adapter))
    # Stop cleanly on SIGTERM or Ctrl-C: end open calls and streams, so the exit handlers run.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    stop.wait()
    server.stop(grace=1).wait()
    logic.channel.close()


if __name__ == "__main__":
    main()
