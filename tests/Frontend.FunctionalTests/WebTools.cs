using System.Diagnostics;
using QwenTts.LocalHosting;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>The tests' node folder (playwright-core, the openai npm SDK) and running npm or node in it.</summary>
internal static class WebTools
{
    public static string Directory => Path.Combine(RepositoryLayout.Root, "tests", "Frontend.FunctionalTests", "web");

    /// <summary>Runs <paramref name="program"/> in the web folder; fails the test with its output unless it exits 0.</summary>
    public static async Task<string> RunAsync(string program, string arguments, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        Assert.True(process.ExitCode == 0, $"{program} {arguments} exited {process.ExitCode}:\n{await error}\n{await output}");
        return await output;
    }
}
