using Microsoft.Extensions.Configuration;
using Npgsql;
using QwenTts.ServiceDefaults;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Admin;

/// <summary>
/// Operator commands against the cluster database, read from <c>ConnectionStrings__Cluster</c> in the environment
/// (never put the password in argv: other users see it in ps). Every mistake or failure is one line on stderr and a
/// non-zero exit: 2 for a wrong command line, 1 for a refusal or an unreachable database.
/// </summary>
public static class AdminCommand
{
    private sealed record Command(string Name, string Usage, string Summary, string[] Options, Func<AdminArguments, TenantStore, Task<int>> Run);

    private static readonly Command[] Commands =
    [
        new("create-tenant", "create-tenant ID [--name NAME] [--rpm N] [--chars-per-day N] [--reference-cloning on|off]",
            "Makes a tenant (defaults: 60 requests/min, 200000 characters/day, one-shot cloning from ref_audio off) and prints its first API key.",
            ["name", "rpm", "chars-per-day", "reference-cloning"], AdminTenantCommands.CreateTenantAsync),
        new("set-tenant", "set-tenant ID [--reference-cloning on|off] [--ai-notice off|morse]",
            "Turns one-shot cloning from ref_audio (POST /v1/audio/speech) on or off for the tenant; sets the explicit AI-content label at the start of its audio (GB 45438-2025: off, or morse for the rhythm short-long-short-short).",
            ["reference-cloning", "ai-notice"], AdminTenantCommands.SetTenantAsync),
        new("create-key", "create-key TENANT [--label TEXT]", "Prints a new API key for the tenant (shown only once; only its hash is stored).",
            ["label"], AdminTenantCommands.CreateKeyAsync),
        new("revoke-key", "revoke-key PREFIX", "Revokes the key(s) whose prefix (as list-keys shows it, e.g. qtts_AbCdEfG) matches.",
            [], AdminTenantCommands.RevokeKeyAsync),
        new("list-tenants", "list-tenants", "Lists tenants with their quotas.", [], AdminTenantCommands.ListTenantsAsync),
        new("list-keys", "list-keys TENANT", "Lists a tenant's keys by prefix, with their labels and revocation times.", [], AdminTenantCommands.ListKeysAsync),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            return Fail($"a command is needed: {string.Join(", ", Commands.Select(c => c.Name))} (admin --help).", 2);
        }

        if (args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Overview());
            return 0;
        }

        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            return Fail($"'{args[0]}' is not an admin command; commands: {string.Join(", ", Commands.Select(c => c.Name))} (admin --help).", 2);
        }

        string? connectionString = null;
        try
        {
            var arguments = AdminArguments.Parse(command.Name, args[1..], command.Options);
            if (arguments.WantsHelp)
            {
                Console.WriteLine($"usage: QwenTts.Frontend admin {command.Usage}\n  {command.Summary}\n  {AdminFailure.ConnectionHelp}");
                return 0;
            }

            connectionString = ConnectionString(arguments);
            await using var dataSource = DataSource(connectionString);
            return await command.Run(arguments, new TenantStore(dataSource));
        }
        catch (AdminUsageException ex)
        {
            return Fail(ex.Message, 2);
        }
        catch (Exception ex)
        {
            return Fail(AdminFailure.Describe(ex, connectionString), 1);
        }
    }

    private static string ConnectionString(AdminArguments arguments)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(arguments.ConfigurationArguments.ToArray()).Build();
        try
        {
            return ClusterSettings.From(configuration).ConnectionString;
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("ConnectionStrings:Cluster is not set", StringComparison.Ordinal))
        {
            throw new AdminUsageException("No database given: ConnectionStrings__Cluster is not set. " + AdminFailure.ConnectionHelp);
        }
        catch (InvalidOperationException ex)
        {
            throw new AdminUsageException(ex.Message);
        }
    }

    private static NpgsqlDataSource DataSource(string connectionString)
    {
        try
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            builder.ConnectionStringBuilder.Timeout = Math.Min(builder.ConnectionStringBuilder.Timeout, 5);
            return builder.Build();
        }
        catch (ArgumentException ex)
        {
            throw new AdminUsageException($"ConnectionStrings__Cluster is not a valid connection string ({ex.Message}). {AdminFailure.ConnectionHelp}");
        }
    }

    private static int Fail(string line, int exitCode)
    {
        Console.Error.WriteLine("admin: " + line);
        return exitCode;
    }

    private static string Overview() =>
        "usage: QwenTts.Frontend admin <command> [options]   (admin <command> --help for one command)\n" +
        string.Join('\n', Commands.Select(c => $"  {c.Usage,-62} {c.Summary}")) + "\n" + AdminFailure.ConnectionHelp;
}
