using System.Diagnostics;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using QwenTts.LocalHosting;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>
/// s3rver (npm, installed by deploy/local/setup.sh --tests into the tests' web folder), a real S3-compatible server, on
/// a free loopback port with a private data folder and one bucket; stopped and deleted at the end. It accepts the
/// signature of its fixed key pair, <see cref="AccessKey"/> / <see cref="SecretKey"/>.
/// </summary>
public sealed partial class S3rver : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "qwentts-s3rver-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _process;

    public string Bucket { get; } = "qwentts-audio";

    public int Port { get; private set; }

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    private static string WebDirectory => Path.Combine(RepositoryLayout.Root, "tests", "Frontend.FunctionalTests", "web");

    /// <summary>Starts the server (on the port it had before, after <see cref="StopAsync"/>) and waits until it listens.</summary>
    public async Task StartAsync()
    {
        var script = Path.Combine(WebDirectory, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"s3rver is not installed ({script} is missing): run ./deploy/local/setup.sh --tests");
        }

        Directory.CreateDirectory(_directory);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = WebDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { script, "--directory", _directory, "--address", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--configure-bucket", Bucket })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Record(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(20))) != listening.Task)
        {
            throw new InvalidOperationException($"s3rver did not start listening:\n{string.Join('\n', output)}");
        }

        Port = await listening.Task;
    }

    /// <summary>Stops the server (SIGKILL); its data folder stays for a restart.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>An SDK client of the server, to look at the bucket from the outside.</summary>
    public AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, SecretKey),
        new AmazonS3Config { ServiceURL = ServiceUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    /// <summary>The keys in the bucket under <paramref name="prefix"/>.</summary>
    public async Task<List<string>> ListAsync(string prefix)
    {
        using var client = Client();
        var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix });
        return [.. (page.S3Objects ?? []).Select(o => o.Key)];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [GeneratedRegex(@"S3rver listening on [^:]+:(\d+)")]
    private static partial Regex ListeningLine();
}
