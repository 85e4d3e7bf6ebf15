package io.exproto.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuProfileTest {
  @Test
  void countsTheGatewaysThreadsByPartAndLibrary() throws IOException {
    CpuProfile p = new CpuProfile(null);
    p.read(List.of(
        // a device read that starts a handler call, ending in protobuf
        "[exproto-netty-io-2-1 tid=7];java/lang/Thread.run;"
            + "io/exproto/transport/netty/internal/ChannelLink.channelRead;"
            + "io/exproto/grpc/internal/UnaryHandlerClient.call;"
            + "com/google/protobuf/CodedOutputStream.write 3",
        // a gRPC flush in a system call
        "[exproto-netty-io-2-2 tid=8];io/grpc/netty/WriteQueue.flush;"
            + "io/netty/channel/unix/FileDescriptor.writevAddresses;writev 5",
        // idle, and another process's thread: not counted
        "[exproto-netty-io-2-2 tid=8];io/netty/channel/epoll/Native.epollWait;epoll_pwait2 50",
        "[grpc-default-worker-ELG-1-1 tid=9];io/grpc/netty/WriteQueue.flush 7"));

    assertThat(p.samples()).isEqualTo(8);
    assertThat(p.parts()).containsEntry("device sockets (read, write)", 3L)
        .containsEntry("handler callbacks: calls started", 3L)
        .containsEntry("protobuf (parse, serialise)", 3L)
        .containsEntry("gRPC writes: frames out, flushes", 5L)
        .containsEntry("system calls (send, recv, writev)", 5L)
        .doesNotContainKey("adapter calls: served by the engine");
    // The native frame 'writev' is no library: the Java method that made the call is.
    assertThat(p.libraries()).containsEntry("protobuf", 3L)
        .containsEntry("Netty native I/O (system calls)", 5L).hasSize(2);
  }

  @Test
  void generatedServiceStubsCountAsGrpcNotProtobuf() {
    assertThat(CpuProfile.frameName("io/exproto/grpc/v1/ConnectionAdapterGrpc$MethodHandlers.invoke"))
        .isEqualTo("io.grpc.generated.ConnectionAdapterGrpc$MethodHandlers.invoke");
    assertThat(CpuProfile.frameName("io/exproto/grpc/v1/PublishRequest.parseFrom"))
        .isEqualTo("io.exproto.grpc.v1.PublishRequest.parseFrom");
  }

  @Test
  void reportsEachPartInMicrosPerMessage() {
    Results r = new Results();
    // 100 samples over 2 s of CPU and 10,000 messages: 200 µs a message; 25 samples = 50 µs.
    r.profiles.add(new Results.Profile("unary", "gateway", 10_000, 100, 2_000_000_000L,
        Map.of("gRPC writes: frames out, flushes", 25L), Map.of("gRPC", 100L)));

    assertThat(Report.profileSection(r))
        .contains("| gRPC writes: frames out, flushes | 50.0 µs (25%) |")
        .contains("| gRPC | 200.0 µs (100%) |")
        .contains("| all (samples) | 200.0 µs (100) |");
    assertThat(Report.profileSection(new Results())).isEmpty();
  }
}
