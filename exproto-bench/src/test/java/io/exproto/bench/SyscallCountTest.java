package io.exproto.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyscallCountTest {
  private static final String SUMMARY = """
      % time     seconds  usecs/call     calls    errors syscall
      ------ ----------- ----------- --------- --------- ------------------
       73.45    4.234154        3101      1365       248 futex
        6.72    0.387324         298      1299           epoll_pwait2
        2.15    0.123811          20      6092           sendto
        1.78    0.102695          15      6763           recvfrom
        1.44    0.082758          99       834           writev
        0.06    0.003415          19       171           write
      ------ ----------- ----------- --------- --------- ------------------
      100.00    5.764470         364     16524       252 total
      """;

  @Test
  void parsesEveryRowButTheTotal() {
    Map<String, Long> calls = SyscallCount.parse(SUMMARY);

    assertThat(calls).containsEntry("futex", 1365L).containsEntry("sendto", 6092L)
        .containsEntry("write", 171L).doesNotContainKey("total").hasSize(6);
  }

  @Test
  void reportsCallsPerMessageByGroup() {
    Results r = new Results();
    r.syscalls.add(new Results.Syscalls("gateway, gRPC unary handler", "gateway", 6000,
        SyscallCount.parse(SUMMARY)));

    assertThat(r.syscalls.get(0).perMessage(List.of("sendto"))).isEqualTo(6092 / 6000.0);
    // send 1.02 · writev 0.14 · write 0.03 · recv 1.13 · read 0 · epoll 0.22 · futex 0.23
    assertThat(Report.syscallSection(r))
        .contains("| gateway, gRPC unary handler | gateway | 6,000 | 1.02 | 0.14 | 0.03 | 1.13 |"
            + " 0.00 | 0.22 | 0.23 | 2.75 |");
    assertThat(Report.syscallSection(new Results())).isEmpty();
  }
}
