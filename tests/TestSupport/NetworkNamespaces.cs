using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using QwenTts.LocalHosting;

namespace QwenTts.TestSupport;

/// <summary>
/// A private network for one test, made with iproute2 as root: a namespace holding a bridge (the switch) and one
/// namespace per participant, each joined to the switch by a veth pair, with an address in a random /24 of
/// 198.18.0.0/15 (reserved for network benchmarks) and its loopback up. Nothing is added to the machine's own network:
/// every interface is made inside a namespace. A participant is cut off by taking its switch port down (both directions
/// drop, no reset is sent: a partition, not a crash) and healed by taking it up. Names start with <c>qtp-</c> and a
/// random suffix; <see cref="DisposeAsync"/> removes every namespace (kill the processes in them first).
/// </summary>
public sealed class NetworkNamespaces : IAsyncDisposable
{
    private const string Bridge = "br0";
    private readonly Dictionary<string, (string Namespace, string Address)> _participants = [];
    private readonly List<string> _namespaces = [];
    private readonly string _prefix;
    private readonly string _subnet;

    private NetworkNamespaces(string prefix, string subnet)
    {
        _prefix = prefix;
        _subnet = subnet;
    }

    /// <summary>The /24 this network uses, e.g. 198.19.7.0/24.</summary>
    public string Subnet => _subnet + ".0/24";

    private string Switch => _prefix + "sw";

    /// <summary>Makes the switch and one namespace per participant (names of at most 12 characters).</summary>
    public static async Task<NetworkNamespaces> CreateAsync(IEnumerable<string> participants)
    {
        await RequireRootAndIpAsync();
        var existing = (await RunAsync("ip", "netns", "list")).Split('\n').Select(l => l.Split(' ')[0]).ToHashSet();
        string prefix;
        do
        {
            prefix = "qtp-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant() + "-";
        }
        while (existing.Any(n => n.StartsWith(prefix, StringComparison.Ordinal)));

        var block = RandomNumberGenerator.GetInt32(512);
        var network = new NetworkNamespaces(prefix, string.Create(CultureInfo.InvariantCulture, $"198.{18 + (block / 256)}.{block % 256}"));
        try
        {
            await network.AddNamespaceAsync(network.Switch);
            await RunAsync("ip", "-n", network.Switch, "link", "add", Bridge, "type", "bridge");
            await RunAsync("ip", "-n", network.Switch, "link", "set", Bridge, "up");
            var host = 1;
            foreach (var participant in participants)
            {
                await network.AddParticipantAsync(participant, host++);
            }
        }
        catch
        {
            try
            {
                await network.DisposeAsync();
            }
            catch (InvalidOperationException)
            {
                // The failure that brought us here is the one to report.
            }

            throw;
        }

        return network;
    }

    public string Address(string participant) => _participants[participant].Address;

    public string Namespace(string participant) => _participants[participant].Namespace;

    /// <summary>Runs a command inside the participant's namespace: <c>ip netns exec</c> execs it (same process id, signals reach it).</summary>
    public IReadOnlyList<string> CommandPrefix(string participant) => ["ip", "netns", "exec", Namespace(participant)];

    /// <summary>How a process of this participant runs: in its namespace, at its address, its HTTP endpoint on <paramref name="httpSocket"/>.</summary>
    public IsolatedNetwork Placement(string participant, string httpSocket) => new(CommandPrefix(participant), Address(participant), httpSocket);

    /// <summary>Takes the participant's switch port down: it reaches no one and no one reaches it.</summary>
    public Task CutAsync(string participant) => RunAsync("ip", "-n", Switch, "link", "set", Port(participant), "down");

    public Task HealAsync(string participant) => RunAsync("ip", "-n", Switch, "link", "set", Port(participant), "up");

    /// <summary>
    /// Removes every namespace (and with them the bridge and the veth pairs), then checks none of this run is left: a
    /// namespace that outlives the test is a failure, not a warning.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var failures = new List<string>();
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            try
            {
                await RunAsync("ip", "netns", "delete", name);
            }
            catch (InvalidOperationException ex)
            {
                failures.Add(ex.Message); // keep removing the others
            }
        }

        _namespaces.Clear();
        var left = (await RunAsync("ip", "netns", "list")).Split('\n').Select(l => l.Split(' ')[0]).Where(n => n.StartsWith(_prefix, StringComparison.Ordinal)).ToList();
        if (left.Count > 0)
        {
            throw new InvalidOperationException($"network namespaces left behind: {string.Join(", ", left)} ({string.Join("; ", failures)})");
        }
    }

    private static string Port(string participant) => "v-" + participant;

    private async Task AddParticipantAsync(string participant, int host)
    {
        if (participant.Length > 12)
        {
            throw new ArgumentException($"participant name '{participant}' is longer than 12 characters (interface names hold 15)", nameof(participant));
        }

        var name = _prefix + participant;
        await AddNamespaceAsync(name);
        var address = string.Create(CultureInfo.InvariantCulture, $"{_subnet}.{host}");
        _participants[participant] = (name, address);
        await RunAsync("ip", "-n", Switch, "link", "add", Port(participant), "type", "veth", "peer", "name", "eth0", "netns", name);
        await RunAsync("ip", "-n", Switch, "link", "set", Port(participant), "master", Bridge);
        await RunAsync("ip", "-n", Switch, "link", "set", Port(participant), "up");
        await RunAsync("ip", "-n", name, "addr", "add", address + "/24", "dev", "eth0");
        await RunAsync("ip", "-n", name, "link", "set", "eth0", "up");
    }

    private async Task AddNamespaceAsync(string name)
    {
        await RunAsync("ip", "netns", "add", name);
        _namespaces.Add(name);
        await RunAsync("ip", "-n", name, "link", "set", "lo", "up");
    }

    private static async Task RequireRootAndIpAsync()
    {
        const string why = "This test builds a private network of network namespaces (ip netns, veth, a bridge) and must run as root with iproute2's 'ip' on PATH";
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException($"{why}; it runs as '{Environment.UserName}'.");
        }

        try
        {
            await RunAsync("ip", "netns", "list");
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{why}; 'ip netns list' failed: {ex.Message}", ex);
        }
    }

    private static async Task<string> RunAsync(params string[] command)
    {
        var startInfo = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command[1..])
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new InvalidOperationException($"'{string.Join(' ', command)}' did not finish within 30 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', command)}' exited {process.ExitCode}: {await error}");
        }

        return await output;
    }
}
