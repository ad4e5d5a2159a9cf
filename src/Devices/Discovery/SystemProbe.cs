using System.Diagnostics;

namespace QwenTts.Devices.Discovery;

/// <summary>What discovery may look at on a host: tools it runs, environment variables, device files.</summary>
public interface ISystemProbe
{
    /// <summary>Runs a tool; null when the tool is not installed, otherwise its exit code and output.</summary>
    Task<(int ExitCode, string Output)?> RunAsync(string tool, string arguments, CancellationToken cancellationToken);

    string? Environment(string name);

    IReadOnlyList<string> DeviceFiles(string pattern);
}

/// <summary>The real host.</summary>
public sealed class HostSystemProbe : ISystemProbe
{
    public async Task<(int ExitCode, string Output)?> RunAsync(string tool, string arguments, CancellationToken cancellationToken)
    {
        var path = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Append("/usr/local/bin").Append("/usr/local/sbin").Append("/opt/hyhal/bin").Append("/usr/local/Ascend/driver/tools")
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }

        using var process = new Process
        {
            StartInfo = new ProcessStartInfo(path, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        process.Start();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{tool} did not answer within 15 s");
        }

        return (process.ExitCode, await output + await error);
    }

    public string? Environment(string name) => System.Environment.GetEnvironmentVariable(name);

    public IReadOnlyList<string> DeviceFiles(string pattern)
    {
        var directory = Path.GetDirectoryName(pattern)!;
        return Directory.Exists(directory) ? Directory.GetFiles(directory, Path.GetFileName(pattern)).Order().ToArray() : [];
    }
}
