using System.Diagnostics;
using System.Runtime.InteropServices;

namespace QwenTts.LocalHosting;

/// <summary>
/// One child process of the local system (a silo or the frontend): started with `dotnet &lt;dll&gt; args`, its output
/// prefixed and kept, stopped gracefully with SIGTERM (what Kubernetes and systemd send) or killed outright.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly Action<string>? _echo;

    private ServiceProcess(string name, Process process, Action<string>? echo)
    {
        Name = name;
        _process = process;
        _echo = echo;
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <param name="commandPrefix">A command that runs <c>dotnet</c> for us and execs it (e.g. <c>ip netns exec NAME</c>), so signals reach the process.</param>
    public static ServiceProcess Start(string name, string assemblyPath, IEnumerable<string> arguments,
        Action<string>? echo = null, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? commandPrefix = null)
    {
        var startInfo = new ProcessStartInfo(commandPrefix is { Count: > 0 } ? commandPrefix[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        if (commandPrefix is { Count: > 0 })
        {
            foreach (var argument in commandPrefix.Skip(1).Append("dotnet"))
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        startInfo.ArgumentList.Add(assemblyPath);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process, echo);
        process.OutputDataReceived += (_, e) => service.Record(e.Data);
        process.ErrorDataReceived += (_, e) => service.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Everything the process has printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>SIGTERM, then wait; SIGKILL if it has not exited in time. Returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan gracePeriod)
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, Sigterm);
            using var grace = new CancellationTokenSource(gracePeriod);
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
            }
        }

        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, as in a crash or a lost host.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(20));
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 20_000)
            {
                _output.RemoveRange(0, 5_000);
            }
        }

        _echo?.Invoke($"[{Name}] {line}");
    }

    private const int Sigterm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
