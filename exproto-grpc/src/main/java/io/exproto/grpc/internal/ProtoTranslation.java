package io.exproto.grpc.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.exproto.grpc.v1.Address;
import io.exproto.grpc.v1.CertificateInfo;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.Message;
import io.exproto.handler.PeerCertificate;
import io.exproto.handler.ResultCode;
import io.exproto.handler.SocketType;
import io.exproto.handler.TimerType;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Converts between the core handler types ({@code io.exproto.handler}) and the generated protobuf
 * messages ({@code io.exproto.grpc.v1}). Stateless and thread-safe.
 *
 * <p>Byte arrays going <em>out</em> (received bytes, message payloads) are wrapped without a copy:
 * the core hands them over and never modifies them afterwards. Byte strings coming <em>in</em> are
 * copied, because the core may keep the array while the protobuf buffer is reused.
 */
public final class ProtoTranslation {

  private ProtoTranslation() {}

  /** Wraps an array that nobody modifies any more, without copying it. */
  public static ByteString wrap(byte[] bytes) {
    return bytes.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(bytes);
  }

  /** A fresh array with the contents of {@code bytes}. */
  public static byte[] toBytes(ByteString bytes) {
    return bytes.toByteArray();
  }

  /** The wire form of a connection's description; {@code peercert} only when there is one. */
  public static io.exproto.grpc.v1.ConnInfo toProto(ConnInfo connInfo) {
    io.exproto.grpc.v1.ConnInfo.Builder builder = io.exproto.grpc.v1.ConnInfo.newBuilder()
        .setSocktype(toProto(connInfo.socketType()))
        .setPeername(toProto(connInfo.peer()))
        .setSockname(toProto(connInfo.local()));
    PeerCertificate cert = connInfo.peerCertificate();
    if (cert != null) {
      builder.setPeercert(CertificateInfo.newBuilder().setCn(cert.cn()).setDn(cert.dn()));
    }
    return builder.build();
  }

  /**
   * An address as {@code host} = the IP literal (never a host name, so no DNS lookup) and
   * {@code port}. An unresolved address, which transports do not produce, falls back to its host
   * string.
   */
  public static Address toProto(InetSocketAddress address) {
    String host = address.getAddress() != null
        ? ipLiteral(address.getAddress())
        : address.getHostString();
    return Address.newBuilder().setHost(host).setPort(address.getPort()).build();
  }

  /**
   * The IP literal as EMQX's {@code inet:ntoa} writes it: dotted IPv4, or RFC 5952 compressed
   * IPv6 ({@code ::1}, not Java's {@code 0:0:0:0:0:0:0:1}) without a scope id.
   */
  static String ipLiteral(InetAddress ip) {
    if (!(ip instanceof Inet6Address)) {
      return ip.getHostAddress();
    }
    byte[] b = ip.getAddress();
    int[] words = new int[8];
    for (int i = 0; i < 8; i++) {
      words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1; // a single zero word is not compressed
    for (int i = 0; i < 8; ) {
      if (words[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && words[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(words[i]));
    }
    return sb.toString();
  }

  /** The wire socket type. */
  public static io.exproto.grpc.v1.SocketType toProto(SocketType type) {
    return switch (type) {
      case TCP -> io.exproto.grpc.v1.SocketType.TCP;
      case SSL -> io.exproto.grpc.v1.SocketType.SSL;
      case UDP -> io.exproto.grpc.v1.SocketType.UDP;
      case DTLS -> io.exproto.grpc.v1.SocketType.DTLS;
    };
  }

  /** The wire timer type. */
  public static io.exproto.grpc.v1.TimerType toProto(TimerType type) {
    return switch (type) {
      case KEEPALIVE -> io.exproto.grpc.v1.TimerType.KEEPALIVE;
    };
  }

  /** The core timer type, or null for a number this gateway does not know. */
  public static TimerType fromProto(io.exproto.grpc.v1.TimerType type) {
    return switch (type) {
      case KEEPALIVE -> TimerType.KEEPALIVE;
      case UNRECOGNIZED -> null;
    };
  }

  /** A delivered message in wire form; the payload is shared, not copied. */
  public static io.exproto.grpc.v1.Message toProto(Message message) {
    return io.exproto.grpc.v1.Message.newBuilder()
        .setNode(message.node())
        .setId(message.id())
        .setQos(message.qos())
        .setFrom(message.from())
        .setTopic(message.topic())
        .setPayload(wrap(message.payload()))
        .setTimestamp(message.timestamp())
        .build();
  }

  /** One {@code OnReceivedMessages} request carrying {@code messages} in order. */
  public static ReceivedMessagesRequest toReceivedMessagesRequest(String conn,
      List<Message> messages) {
    ReceivedMessagesRequest.Builder builder = ReceivedMessagesRequest.newBuilder().setConn(conn);
    for (Message message : messages) {
      builder.addMessages(toProto(message));
    }
    return builder.build();
  }

  /** The core client info; {@code mountpoint} is carried along, the core ignores it. */
  public static ClientInfo fromProto(io.exproto.grpc.v1.ClientInfo info) {
    return new ClientInfo(info.getProtoName(), info.getProtoVer(), info.getClientid(),
        info.getUsername(), info.getMountpoint());
  }

  /** The wire answer to an adapter operation. */
  public static CodeResponse toProto(AdapterResult result) {
    return CodeResponse.newBuilder()
        .setCode(toProto(result.code()))
        .setMessage(result.message())
        .build();
  }

  /** The wire result code. */
  public static io.exproto.grpc.v1.ResultCode toProto(ResultCode code) {
    return switch (code) {
      case SUCCESS -> io.exproto.grpc.v1.ResultCode.SUCCESS;
      case UNKNOWN -> io.exproto.grpc.v1.ResultCode.UNKNOWN;
      case CONN_PROCESS_NOT_ALIVE -> io.exproto.grpc.v1.ResultCode.CONN_PROCESS_NOT_ALIVE;
      case REQUIRED_PARAMS_MISSED -> io.exproto.grpc.v1.ResultCode.REQUIRED_PARAMS_MISSED;
      case PARAMS_TYPE_ERROR -> io.exproto.grpc.v1.ResultCode.PARAMS_TYPE_ERROR;
      case PERMISSION_DENY -> io.exproto.grpc.v1.ResultCode.PERMISSION_DENY;
    };
  }
}
