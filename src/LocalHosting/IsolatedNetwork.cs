namespace QwenTts.LocalHosting;

/// <summary>
/// A process that runs in a network of its own rather than on the machine's loopback (the partition tests' network
/// namespaces): started under <paramref name="CommandPrefix"/> (e.g. <c>ip netns exec NAME</c>, which execs the command,
/// so the process id and signals are the process's own), reached by its peers at <paramref name="Address"/>, and by
/// whoever started it through the Unix socket <paramref name="HttpSocket"/> (a file: it crosses network namespaces).
/// </summary>
public sealed record IsolatedNetwork(IReadOnlyList<string> CommandPrefix, string Address, string HttpSocket);
