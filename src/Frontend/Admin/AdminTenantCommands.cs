using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Admin;

/// <summary>The admin commands' work on tenants and keys; arguments are already checked for shape.</summary>
public static class AdminTenantCommands
{
    public static async Task<int> CreateTenantAsync(AdminArguments arguments, TenantStore tenants)
    {
        var id = arguments.Single("tenant ID");
        var rpm = (int)arguments.Number("rpm", 60, 1, int.MaxValue);
        var charactersPerDay = arguments.Number("chars-per-day", 200_000, 1, long.MaxValue);
        var cloning = arguments.Switch("reference-cloning", false);
        var tenant = await tenants.CreateTenantAsync(id, arguments.Text("name", id), rpm, charactersPerDay, cloning);
        var first = await tenants.CreateKeyAsync(tenant.Id, "first key");
        Console.WriteLine($"tenant {tenant.Id} ({tenant.RequestsPerMinute} requests/min, {tenant.CharactersPerDay} characters/day, {Cloning(tenant)})");
        Console.WriteLine($"api key {first.Key}");
        Console.WriteLine("Keep the key: only its hash is stored.");
        return 0;
    }

    /// <summary>Changes a tenant's policies: one-shot cloning from ref_audio, the explicit AI-content label.</summary>
    public static async Task<int> SetTenantAsync(AdminArguments arguments, TenantStore tenants)
    {
        var id = arguments.Single("tenant ID");
        if (!arguments.Has("reference-cloning") && !arguments.Has("ai-notice"))
        {
            throw new AdminUsageException("set-tenant needs something to set: --reference-cloning on|off or --ai-notice off|morse; see 'admin set-tenant --help'.");
        }

        var notice = arguments.Text("ai-notice", AiNotices.Off);
        if (arguments.Has("ai-notice") && !AiNotices.All.Contains(notice))
        {
            throw new AdminUsageException($"--ai-notice must be one of {string.Join(", ", AiNotices.All)}, not '{notice}'.");
        }

        Tenant? tenant = null;
        if (arguments.Has("reference-cloning"))
        {
            tenant = await tenants.SetReferenceCloningAsync(id, arguments.Switch("reference-cloning", false));
        }

        if (arguments.Has("ai-notice"))
        {
            tenant = await tenants.SetAiNoticeAsync(id, notice);
        }

        tenant = tenant ?? throw new InvalidOperationException($"Tenant '{id}' does not exist; 'admin list-tenants' shows the tenants.");
        Console.WriteLine($"tenant {tenant.Id}: {Cloning(tenant)}, AI notice {tenant.AiNotice}; frontends apply it from their next key refresh (Auth:KeyRefreshInterval).");
        return 0;
    }

    public static async Task<int> CreateKeyAsync(AdminArguments arguments, TenantStore tenants)
    {
        var key = await tenants.CreateKeyAsync(arguments.Single("tenant ID"), arguments.Text("label", ""));
        Console.WriteLine($"api key {key.Key}");
        return 0;
    }

    public static async Task<int> RevokeKeyAsync(AdminArguments arguments, TenantStore tenants)
    {
        var prefix = arguments.Single("key prefix");
        var revoked = await tenants.RevokeKeyAsync(prefix);
        if (revoked == 0)
        {
            throw new InvalidOperationException($"No active key has the prefix '{prefix}'; 'admin list-keys TENANT' shows the prefixes.");
        }

        Console.WriteLine($"revoked {revoked} key(s) with prefix {prefix}; frontends refuse them from their next key refresh (Auth:KeyRefreshInterval).");
        return 0;
    }

    public static async Task<int> ListTenantsAsync(AdminArguments arguments, TenantStore tenants)
    {
        arguments.ExpectNoPositional();
        foreach (var t in await tenants.ListTenantsAsync())
        {
            Console.WriteLine($"{t.Id}\t{t.DisplayName}\t{t.RequestsPerMinute} rpm\t{t.CharactersPerDay} chars/day\t{Cloning(t)}\tAI notice {t.AiNotice}{(t.Disabled ? "\tdisabled" : "")}");
        }

        return 0;
    }

    public static async Task<int> ListKeysAsync(AdminArguments arguments, TenantStore tenants)
    {
        var tenant = arguments.Single("tenant ID");
        if (await tenants.GetTenantAsync(tenant) is null)
        {
            throw new InvalidOperationException($"Tenant '{tenant}' does not exist; 'admin list-tenants' shows the tenants.");
        }

        foreach (var k in await tenants.ListKeysAsync(tenant))
        {
            Console.WriteLine($"{k.Prefix}…\t{k.Label}\tcreated {k.CreatedAt:u}{(k.RevokedAt is { } r ? $"\trevoked {r:u}" : "")}");
        }

        return 0;
    }

    private static string Cloning(Tenant tenant) => tenant.ReferenceCloning ? "reference cloning on" : "reference cloning off";
}
