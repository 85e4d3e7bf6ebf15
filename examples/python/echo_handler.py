#!/usr/bin/env python3
"""An ExProto handler in Python, written against EMQX's exproto.proto (emqx.exproto.v1) only.

It authenticates each device, subscribes it to devices/<clientid>/down, publishes what the device
sends to devices/<clientid>/down (so it comes back through the broker), and sends every delivered
message back to the device. Nothing in it knows which gateway it talks to: it is the kind of
handler people wrote for EMQX 5.1+, and runs against exproto unchanged.

Needs grpcio and grpcio-tools (Debian: python3-grpcio python3-grpc-tools). Usage:
  /usr/bin/python3 echo_handler.py --port 9001 --adapter 127.0.0.1:9100
"""
import argparse
import atexit
import os
import shutil
import sys
import tempfile
import threading
from concurrent import futures

import grpc
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "..", "exproto-grpc", "src", "main", "protobuf")


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


class Handler(pb_grpc.ConnectionUnaryHandlerServicer):
    def __init__(self, adapter_address):
        self.channel = grpc.insecure_channel(adapter_address)
        self.adapter = pb_grpc.ConnectionAdapterStub(self.channel)
        self.clients = {}
        self.lock = threading.Lock()
        self.counter = 0

    def check(self, name, resp):
        if resp.code != pb.SUCCESS:
            print("%s failed: %s %s" % (name, pb.ResultCode.Name(resp.code), resp.message),
                  flush=True)
        return resp

    def OnSocketCreated(self, request, context):
        with self.lock:
            self.counter += 1
            clientid = "py-%d" % self.counter
            self.clients[request.conn] = clientid
        print("OnSocketCreated %s %s:%d" % (clientid, request.conninfo.peername.host,
                                            request.conninfo.peername.port), flush=True)
        info = pb.ClientInfo(proto_name="demo", proto_ver="1", clientid=clientid, username="py")
        self.check("Authenticate", self.adapter.Authenticate(
            pb.AuthenticateRequest(conn=request.conn, clientinfo=info, password="secret"), timeout=5))
        self.check("StartTimer", self.adapter.StartTimer(
            pb.TimerRequest(conn=request.conn, type=pb.KEEPALIVE, interval=60), timeout=5))
        self.check("Subscribe", self.adapter.Subscribe(
            pb.SubscribeRequest(conn=request.conn, topic="devices/%s/down" % clientid, qos=1),
            timeout=5))
        return pb.EmptySuccess()

    def OnReceivedBytes(self, request, context):
        clientid = self.clients.get(request.conn)
        self.check("Publish", self.adapter.Publish(
            pb.PublishRequest(conn=request.conn, topic="devices/%s/down" % clientid, qos=1,
                              payload=request.bytes), timeout=5))
        return pb.EmptySuccess()

    def OnTimerTimeout(self, request, context):
        print("OnTimerTimeout %s %s" % (self.clients.get(request.conn),
                                        pb.TimerType.Name(request.type)), flush=True)
        return pb.EmptySuccess()

    def OnReceivedMessages(self, request, context):
        for m in request.messages:
            self.check("Send", self.adapter.Send(
                pb.SendBytesRequest(conn=request.conn, bytes=m.payload), timeout=5))
        return pb.EmptySuccess()

    def OnSocketClosed(self, request, context):
        with self.lock:
            clientid = self.clients.pop(request.conn, None)
        print("OnSocketClosed %s %s" % (clientid, request.reason), flush=True)
        return pb.EmptySuccess()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=9001)
    p.add_argument("--adapter", default="127.0.0.1:9100")
    args = p.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    pb_grpc.add_ConnectionUnaryHandlerServicer_to_server(Handler(args.adapter), server)
    port = server.add_insecure_port("127.0.0.1:%d" % args.port)
    server.start()
    print("python handler ready on 127.0.0.1:%d, adapter %s" % (port, args.adapter), flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
