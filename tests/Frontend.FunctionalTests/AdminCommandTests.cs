using System.Diagnostics;
using Npgsql;
using QwenTts.LocalHosting;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>'QwenTts.Frontend admin' as an operator runs it: every mistake is one line on stderr, never a stack trace, and a non-zero exit.</summary>
[Collection(SystemCollection.Name)]
public sealed class AdminCommandTests(SystemFixture fixture)
{
    private sealed record Run(int ExitCode, string Output, string Error);

    public static TheoryData<string, string, string[], int, string> Mistakes => new()
    {
        { "no command", "{db}", [], 2, "a command is needed" },
        { "unknown command", "{db}", ["frobnicate"], 2, "'frobnicate' is not an admin command" },
        { "no connection string", "", ["list-tenants"], 2, "ConnectionStrings__Cluster is not set" },
        { "malformed connection string", "Host=127.0.0.1;;Nonsense", ["list-tenants"], 2, "not a valid connection string" },
        { "no password", "{db-without-password}", ["list-tenants"], 1, "needs a password" },
        { "wrong password", "{db-wrong-password}", ["list-tenants"], 1, "refused the user name or password" },
        { "nothing listening", "Host=127.0.0.1;Port={free-port};Database=x;Username=x;Password=x", ["list-tenants"], 1, "Cannot connect to PostgreSQL at 127.0.0.1:" },
        { "unknown tenant for a key", "{db}", ["create-key", "ghost"], 1, "Tenant 'ghost' does not exist" },
        { "unknown tenant for a list", "{db}", ["list-keys", "ghost"], 1, "Tenant 'ghost' does not exist" },
        { "unknown key prefix", "{db}", ["revoke-key", "qtts_nothing"], 1, "No active key has the prefix 'qtts_nothing'" },
        { "requests per minute not a number", "{db}", ["create-tenant", "numbers", "--rpm", "lots"], 2, "--rpm must be a whole number" },
        { "characters per day negative", "{db}", ["create-tenant", "numbers", "--chars-per-day", "-5"], 2, "--chars-per-day must be a whole number" },
        { "requests per minute too large", "{db}", ["create-tenant", "numbers", "--rpm", "99999999999"], 2, "--rpm must be a whole number" },
        { "unknown option", "{db}", ["create-tenant", "numbers", "--colour", "red"], 2, "create-tenant has no option --colour" },
        { "option without a value", "{db}", ["create-key", "acme", "--label"], 2, "--label needs a value" },
        { "missing tenant id", "{db}", ["create-tenant"], 2, "create-tenant needs a tenant ID" },
        { "two tenant ids", "{db}", ["create-tenant", "a", "b"], 2, "create-tenant takes one tenant ID" },
        { "duplicate tenant", "{db}", ["create-tenant", "acme"], 1, "Tenant 'acme' already exists" },
        { "invalid tenant id", "{db}", ["create-tenant", "Not Valid!"], 1, "Tenant id 'Not Valid!'" },
        { "cloning neither on nor off", "{db}", ["set-tenant", "acme", "--reference-cloning", "maybe"], 2, "--reference-cloning must be on or off" },
        { "nothing to set", "{db}", ["set-tenant", "acme"], 2, "set-tenant needs something to set" },
        { "unknown tenant to set", "{db}", ["set-tenant", "ghost", "--reference-cloning", "on"], 1, "Tenant 'ghost' does not exist" },
        { "unknown ai notice", "{db}", ["set-tenant", "acme", "--ai-notice", "spoken"], 2, "--ai-notice must be one of off, morse, not 'spoken'" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task A_mistake_is_one_line_without_a_stack_trace_and_a_non_zero_exit(string name, string connection, string[] args, int exitCode, string says)
    {
        var run = await RunAsync(await ConnectionAsync(connection), args);

        Assert.True(exitCode == run.ExitCode, $"{name}: exit {run.ExitCode}\n{run.Error}{run.Output}");
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"{name}: {lines.Length} lines on stderr:\n{run.Error}");
        Assert.StartsWith("admin: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(says, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error + run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Theory]
    [InlineData("create-tenant", "--chars-per-day")]
    [InlineData("create-key", "--label")]
    [InlineData("revoke-key", "PREFIX")]
    [InlineData("list-tenants", "list-tenants")]
    [InlineData("list-keys", "TENANT")]
    [InlineData("set-tenant", "--reference-cloning on|off")]
    public async Task Every_command_has_help_that_needs_no_database(string command, string mentions)
    {
        var run = await RunAsync(null, [command, "--help"]);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"usage: QwenTts.Frontend admin {command}", run.Output, StringComparison.Ordinal);
        Assert.Contains(mentions, run.Output, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Cluster", run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task With_the_connection_string_in_the_environment_a_tenant_and_its_keys_are_made_listed_and_revoked()
    {
        var id = "admin-" + Guid.NewGuid().ToString("N")[..6];
        var connection = fixture.System.ConnectionString;

        var created = await RunAsync(connection, ["create-tenant", id, "--rpm", "30", "--chars-per-day", "1000"]);
        var listed = await RunAsync(connection, ["list-tenants"]);
        var key = created.Output.Split('\n').Single(l => l.StartsWith("api key ", StringComparison.Ordinal))["api key ".Length..].Trim();
        var revoked = await RunAsync(connection, ["revoke-key", key[..12]]);
        var keys = await RunAsync(connection, ["list-keys", id]);

        Assert.Equal(0, created.ExitCode);
        Assert.Contains($"{id}\t{id}\t30 rpm\t1000 chars/day\treference cloning off", listed.Output, StringComparison.Ordinal);
        Assert.Equal(0, revoked.ExitCode);
        Assert.Contains("revoked", keys.Output, StringComparison.Ordinal);
        Assert.Equal("", created.Error + listed.Error + revoked.Error + keys.Error);
    }

    [Fact]
    public async Task One_shot_cloning_is_off_for_a_new_tenant_and_set_tenant_turns_it_on_and_off_and_sets_the_ai_notice()
    {
        var id = "cloning-" + Guid.NewGuid().ToString("N")[..6];
        var connection = fixture.System.ConnectionString;

        var created = await RunAsync(connection, ["create-tenant", id]);
        var on = await RunAsync(connection, ["set-tenant", id, "--reference-cloning", "on"]);
        var listedOn = await RunAsync(connection, ["list-tenants"]);
        var off = await RunAsync(connection, ["set-tenant", id, "--reference-cloning", "off", "--ai-notice", "morse"]);
        var listedOff = await RunAsync(connection, ["list-tenants"]);

        Assert.Equal(0, created.ExitCode);
        Assert.Contains("reference cloning off", created.Output, StringComparison.Ordinal);
        Assert.Equal(0, on.ExitCode);
        Assert.StartsWith($"tenant {id}: reference cloning on, AI notice off;", on.Output, StringComparison.Ordinal);
        Assert.Contains($"{id}\t{id}\t60 rpm\t200000 chars/day\treference cloning on", listedOn.Output, StringComparison.Ordinal);
        Assert.Equal(0, off.ExitCode);
        Assert.Contains($"{id}\t{id}\t60 rpm\t200000 chars/day\treference cloning off\tAI notice morse", listedOff.Output, StringComparison.Ordinal);
        Assert.Equal("", created.Error + on.Error + listedOn.Error + off.Error + listedOff.Error);
    }

    private async Task<string?> ConnectionAsync(string template)
    {
        if (template.Length == 0)
        {
            return null;
        }

        var database = new NpgsqlConnectionStringBuilder(fixture.System.ConnectionString);
        return template
            .Replace("{db}", database.ConnectionString, StringComparison.Ordinal)
            .Replace("{db-without-password}", new NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = null }.ConnectionString, StringComparison.Ordinal)
            .Replace("{db-wrong-password}", new NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = "wrong" }.ConnectionString, StringComparison.Ordinal)
            .Replace("{free-port}", PrivatePostgresServer.FindFreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static async Task<Run> RunAsync(string? connectionString, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryLayout.ProjectAssembly("Frontend", "QwenTts.Frontend"));
        start.ArgumentList.Add("admin");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("ConnectionStrings__Cluster");
        if (connectionString is not null)
        {
            start.Environment["ConnectionStrings__Cluster"] = connectionString;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await output, await error);
    }
}
