using System.Globalization;
using QwenTts.ServiceDefaults;
using QwenTts.Storage;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Admin;

/// <summary>
/// Operator commands against the cluster database (ConnectionStrings:Cluster):
///   admin create-tenant ID [--name NAME] [--rpm N] [--chars-per-day N]   (prints the tenant's first API key)
///   admin create-key TENANT [--label TEXT]                              (prints a new API key, shown only once)
///   admin revoke-key PREFIX
///   admin list-tenants
///   admin list-keys TENANT
/// </summary>
public static class AdminCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            return Usage();
        }

        var (positional, options) = Split(args[1..]);
        var builder = Host.CreateApplicationBuilder(options.Select(o => $"--{o.Key}={o.Value}").Where(o => o.Contains(':', StringComparison.Ordinal)).ToArray());
        builder.Services.AddQwenTtsStorage(ClusterSettings.From(builder.Configuration).ConnectionString);
        using var host = builder.Build();
        var tenants = host.Services.GetRequiredService<TenantStore>();
        try
        {
            switch (args[0])
            {
                case "create-tenant" when positional.Count == 1:
                    var tenant = await tenants.CreateTenantAsync(positional[0], options.GetValueOrDefault("name", positional[0]),
                        int.Parse(options.GetValueOrDefault("rpm", "60"), CultureInfo.InvariantCulture),
                        long.Parse(options.GetValueOrDefault("chars-per-day", "200000"), CultureInfo.InvariantCulture));
                    var first = await tenants.CreateKeyAsync(tenant.Id, "first key");
                    Console.WriteLine($"tenant {tenant.Id} ({tenant.RequestsPerMinute} requests/min, {tenant.CharactersPerDay} characters/day)");
                    Console.WriteLine($"api key {first.Key}");
                    Console.WriteLine("Keep the key: only its hash is stored.");
                    return 0;
                case "create-key" when positional.Count == 1:
                    var key = await tenants.CreateKeyAsync(positional[0], options.GetValueOrDefault("label", ""));
                    Console.WriteLine($"api key {key.Key}");
                    return 0;
                case "revoke-key" when positional.Count == 1:
                    var revoked = await tenants.RevokeKeyAsync(positional[0]);
                    Console.WriteLine($"revoked {revoked} key(s) with prefix {positional[0]}");
                    return revoked > 0 ? 0 : 1;
                case "list-tenants":
                    foreach (var t in await tenants.ListTenantsAsync())
                    {
                        Console.WriteLine($"{t.Id}\t{t.DisplayName}\t{t.RequestsPerMinute} rpm\t{t.CharactersPerDay} chars/day{(t.Disabled ? "\tdisabled" : "")}");
                    }

                    return 0;
                case "list-keys" when positional.Count == 1:
                    foreach (var k in await tenants.ListKeysAsync(positional[0]))
                    {
                        Console.WriteLine($"{k.Prefix}…\t{k.Label}\tcreated {k.CreatedAt:u}{(k.RevokedAt is { } r ? $"\trevoked {r:u}" : "")}");
                    }

                    return 0;
                default:
                    return Usage();
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
    }

    private static (List<string> Positional, Dictionary<string, string> Options) Split(string[] args)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                var option = args[i][2..];
                var equals = option.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                {
                    options[option[..equals]] = option[(equals + 1)..];
                }
                else if (i + 1 < args.Length)
                {
                    options[option] = args[++i];
                }
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        return (positional, options);
    }

    private static int Usage()
    {
        Console.Error.WriteLine("""
            usage: QwenTts.Frontend admin <command> --ConnectionStrings:Cluster=...
              create-tenant ID [--name NAME] [--rpm N] [--chars-per-day N]
              create-key TENANT [--label TEXT]
              revoke-key PREFIX
              list-tenants
              list-keys TENANT
            """);
        return 2;
    }
}
