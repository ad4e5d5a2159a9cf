using QwenTts.TestSupport;

namespace QwenTts.Reliability.FunctionalTests;

/// <summary>What ps shows of the processes the local system starts: never the database password.</summary>
public sealed class SecretsTests
{
    [Fact]
    public async Task No_silo_or_frontend_process_has_the_database_password_in_its_arguments()
    {
        await using var system = await EmulatedSystem.StartAsync(silos: 1);
        var password = new Npgsql.NpgsqlConnectionStringBuilder(system.ConnectionString).Password;
        Assert.False(string.IsNullOrEmpty(password));

        var processes = system.System.Silos.Concat(system.System.Frontends).ToList();
        Assert.Equal(2, processes.Count);
        foreach (var service in processes)
        {
            // /proc/<pid>/cmdline is exactly what ps prints (arguments separated by NUL).
            var commandLine = (await File.ReadAllTextAsync($"/proc/{service.Process.ProcessId}/cmdline")).Replace('\0', ' ');
            Assert.Contains("QwenTts.", commandLine, StringComparison.Ordinal);
            Assert.DoesNotContain(password, commandLine, StringComparison.Ordinal);
            Assert.DoesNotContain("ConnectionStrings", commandLine, StringComparison.OrdinalIgnoreCase);
        }
    }
}
