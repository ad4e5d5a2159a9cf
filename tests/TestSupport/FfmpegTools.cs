using System.Diagnostics;

namespace QwenTts.TestSupport;

/// <summary>ffmpeg's tools (installed by deploy/local/setup.sh) run on bytes written to a temporary file: independent readers of what we write.</summary>
public static class FfmpegTools
{
    /// <summary>Runs <paramref name="tool"/> with the arguments made for the file's path; its exit code and its two outputs.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunOnFileAsync(string tool, byte[] content, string extension, Func<string, string[]> arguments)
    {
        var path = Path.Combine(Path.GetTempPath(), $"qwentts-{tool}-{Guid.NewGuid():N}.{extension}");
        try
        {
            await File.WriteAllBytesAsync(path, content);
            var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments(path))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output, await error);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
