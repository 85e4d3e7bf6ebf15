package io.exproto.authz;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.ClientIdentity;
import io.exproto.authn.internal.Template;
import io.exproto.authn.internal.Vars;
import io.exproto.authz.internal.ErlTerms.Atom;
import io.exproto.authz.internal.ErlTerms.Tuple;
import io.exproto.authz.internal.ErlTerms;
import io.exproto.broker.Topics;
import io.exproto.transport.internal.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One rule of EMQX's {@code acl.conf}: {@code {allow | deny, Who, publish | subscribe | all,
 * [Topics]}} or {@code {allow | deny, all}}. Who is {@code all}, {@code {username | user, "name" |
 * {re, "regex"}}}, {@code {clientid | client, ...}}, {@code {ipaddr, "CIDR"}}, {@code {ipaddrs,
 * ["CIDR", ...]}}, {@code {listener, ...}}, {@code {zone, ...}} (the gateway has one zone,
 * {@code default}), {@code {security_profile, legacy | hardened}} (this gateway is
 * {@code legacy}: EMQX 5's behaviour), and {@code {'and', [...]}} / {@code {'or', [...]}} of
 * these. A topic is a topic filter, {@code {eq, "topic"}} (matched literally) or {@code all}
 * (everything, {@code $}-topics too), with the placeholders {@code ${clientid}},
 * {@code ${username}}, {@code ${cert_common_name}}, {@code ${cert_subject}}, {@code ${peerhost}}
 * and the older {@code %c} and {@code %u}. Immutable and thread-safe.
 */
public final class AclRule {
  private static final Set<String> TOPIC_VARS = Set.of("clientid", "username",
      "cert_common_name", "cert_subject", "peerhost");

  private final boolean allow;
  private final Predicate<ClientIdentity> who;
  private final boolean publish;
  private final boolean subscribe;
  private final List<TopicMatch> topics;
  private final String text;

  private record TopicMatch(Template template, boolean eq, boolean all) {}

  private AclRule(boolean allow, Predicate<ClientIdentity> who, boolean publish,
      boolean subscribe, List<TopicMatch> topics, String text) {
    this.allow = allow;
    this.who = who;
    this.publish = publish;
    this.subscribe = subscribe;
    this.topics = topics;
    this.text = text;
  }

  /**
   * Parses the rules of an {@code acl.conf} text.
   *
   * @param source names the text in errors (a file name)
   * @throws IllegalArgumentException naming the line that is wrong
   */
  public static List<AclRule> parseAll(String text, String source) {
    List<AclRule> out = new ArrayList<>();
    for (Object term : ErlTerms.parse(text, source)) {
      if (!(term instanceof Tuple t)) {
        throw new IllegalArgumentException(source + ": a rule must be a tuple {...}, found "
            + term);
      }
      AclRule r = rule(t, source + " line " + t.line());
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * A rule from its parts as a database row gives them (EMQX's postgresql source:
   * {@code permission}, {@code action}, {@code topic}; a topic starting {@code "eq "} is matched
   * literally).
   */
  public static AclRule of(String permission, String action, String topic) {
    boolean allow = switch (permission) {
      case "allow" -> true;
      case "deny" -> false;
      default -> throw new IllegalArgumentException("permission '" + permission
          + "' is not allow or deny");
    };
    boolean pub = action.equals("publish") || action.equals("all");
    boolean sub = action.equals("subscribe") || action.equals("all");
    if (!pub && !sub) {
      throw new IllegalArgumentException("action '" + action
          + "' is not publish, subscribe or all");
    }
    boolean eq = topic.startsWith("eq ");
    String t = eq ? topic.substring(3) : topic;
    return new AclRule(allow, c -> true, pub, sub,
        List.of(new TopicMatch(template(t, "topic"), eq, false)),
        permission + " " + action + " " + topic);
  }

  private static AclRule rule(Tuple t, String where) {
    if (t.size() != 2 && t.size() != 4) {
      throw new IllegalArgumentException(where + ": a rule is {Permission, Who, Action, Topics}"
          + " or {Permission, all}");
    }
    boolean allow = permission(t.get(0), where);
    if (t.size() == 2) {
      Object who = t.get(1);
      if (who instanceof Tuple w && w.size() == 2 && atom(w.get(0), "security_profile")) {
        if (!atom(w.get(1), "legacy")) {
          return null; // a hardened-only rule does not apply to this gateway
        }
        return new AclRule(allow, c -> true, true, true,
            List.of(new TopicMatch(null, false, true)), where);
      }
      if (!atom(who, "all")) {
        throw new IllegalArgumentException(where + ": a two-element rule is {allow | deny, all}");
      }
      return new AclRule(allow, c -> true, true, true,
          List.of(new TopicMatch(null, false, true)), where);
    }
    Predicate<ClientIdentity> who = who(t.get(1), where);
    boolean pub;
    boolean sub;
    Object action = t.get(2);
    if (action instanceof Tuple a) {
      if (a.size() != 2 || !(a.get(1) instanceof List<?> opts)) {
        throw new IllegalArgumentException(where + ": action must be publish, subscribe, all or"
            + " {Action, [Options]}");
      }
      for (Object o : opts) {
        if (o instanceof Tuple ot && ot.size() == 2 && atom(ot.get(0), "retain")) {
          if (atom(ot.get(1), "true")) {
            return null; // ExProto publishes are never retained: the rule cannot match
          }
          continue;
        }
        throw new IllegalArgumentException(where + ": action option " + o + " is not supported"
            + " (the gateway's authorizer does not see the QoS); remove it or use a plain action");
      }
      action = a.get(0);
    }
    String name = action instanceof Atom at ? at.name() : "";
    switch (name) {
      case "publish" -> {
        pub = true;
        sub = false;
      }
      case "subscribe" -> {
        pub = false;
        sub = true;
      }
      case "all" -> {
        pub = true;
        sub = true;
      }
      default -> throw new IllegalArgumentException(where + ": action '" + action
          + "' is not publish, subscribe or all");
    }
    List<TopicMatch> topics = new ArrayList<>();
    Object ts = t.get(3);
    List<?> list = ts instanceof List<?> l ? l : List.of(ts);
    for (Object o : list) {
      if (o instanceof String s) {
        topics.add(new TopicMatch(template(s, where), false, false));
      } else if (o instanceof Tuple e && e.size() == 2 && atom(e.get(0), "eq")
          && e.get(1) instanceof String s) {
        topics.add(new TopicMatch(template(s, where), true, false));
      } else if (atom(o, "all")) {
        topics.add(new TopicMatch(null, false, true));
      } else {
        throw new IllegalArgumentException(where + ": topic " + o + " is not a string,"
            + " {eq, \"topic\"} or all");
      }
    }
    return new AclRule(allow, who, pub, sub, List.copyOf(topics), where);
  }

  private static Template template(String topic, String where) {
    String t = topic.replace("%c", "${clientid}").replace("%u", "${username}");
    return Template.parse(t, TOPIC_VARS, where);
  }

  private static boolean permission(Object o, String where) {
    if (atom(o, "allow")) {
      return true;
    }
    if (atom(o, "deny")) {
      return false;
    }
    throw new IllegalArgumentException(where + ": permission must be allow or deny, was " + o);
  }

  private static boolean atom(Object o, String name) {
    return o instanceof Atom a && a.name().equals(name);
  }

  @SuppressWarnings("unchecked")
  private static Predicate<ClientIdentity> who(Object o, String where) {
    if (atom(o, "all")) {
      return c -> true;
    }
    if (!(o instanceof Tuple t) || t.size() < 2 || !(t.get(0) instanceof Atom kind)) {
      throw new IllegalArgumentException(where + ": who must be all or a tuple such as"
          + " {username, \"name\"}, was " + o);
    }
    Object v = t.get(1);
    switch (kind.name()) {
      case "username", "user":
        return match(v, ClientIdentity::username, where);
      case "clientid", "client":
        return match(v, ClientIdentity::clientId, where);
      case "listener":
        return match(v, c -> c.listener(), where);
      case "zone":
        return match(v, c -> "default", where);
      case "ipaddr": {
        Cidr cidr = cidr(v, where);
        return c -> c.peer().getAddress() != null && cidr.contains(c.peer().getAddress());
      }
      case "ipaddrs": {
        if (!(v instanceof List<?> l)) {
          throw new IllegalArgumentException(where + ": ipaddrs takes a list of CIDRs");
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (Object x : l) {
          cidrs.add(cidr(x, where));
        }
        return c -> c.peer().getAddress() != null
            && cidrs.stream().anyMatch(x -> x.contains(c.peer().getAddress()));
      }
      case "and", "or": {
        if (!(v instanceof List<?> l)) {
          throw new IllegalArgumentException(where + ": '" + kind.name() + "' takes a list");
        }
        List<Predicate<ClientIdentity>> ps = new ArrayList<>();
        for (Object x : l) {
          ps.add(who(x, where));
        }
        return kind.name().equals("and") ? c -> ps.stream().allMatch(p -> p.test(c))
            : c -> ps.stream().anyMatch(p -> p.test(c));
      }
      case "security_profile":
        return atom(v, "legacy") ? c -> true : c -> false;
      default:
        throw new IllegalArgumentException(where + ": who '" + kind.name() + "' is not supported;"
            + " use all, username, clientid, ipaddr, ipaddrs, listener, zone, 'and', 'or'");
    }
  }

  private static Predicate<ClientIdentity> match(Object v,
      Function<ClientIdentity, String> field, String where) {
    if (v instanceof String s) {
      return c -> s.equals(field.apply(c));
    }
    if (v instanceof Tuple re && re.size() == 2 && atom(re.get(0), "re")
        && re.get(1) instanceof String regex) {
      try {
        Pattern p = Pattern.compile(regex);
        return c -> p.matcher(field.apply(c)).find();
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(where + ": bad regular expression '" + regex + "': "
            + e.getDescription());
      }
    }
    throw new IllegalArgumentException(where + ": expected \"text\" or {re, \"regex\"}, was " + v);
  }

  private static Cidr cidr(Object v, String where) {
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(where + ": expected an IP address or CIDR string, was "
          + v);
    }
    try {
      return Cidr.parse(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage());
    }
  }

  /** True for an allow rule. */
  public boolean allow() {
    return allow;
  }

  /** True if this rule applies to the check. */
  public boolean matches(ClientIdentity client, Action action, String topic) {
    if (action == Action.PUBLISH ? !publish : !subscribe) {
      return false;
    }
    if (!who.test(client)) {
      return false;
    }
    String t = Topics.isShared(topic) ? Topics.unshared(topic) : topic;
    var vars = Vars.of(client, "", "");
    for (TopicMatch m : topics) {
      if (m.all) {
        return true;
      }
      String rendered = m.template.render(vars);
      if (m.eq ? rendered.equals(t) : Topics.validateFilter(rendered) == null
          && Topics.matches(rendered, t)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return text;
  }
}
