using Npgsql;
using QwenTts.LocalHosting;
using QwenTts.Storage.Tenants;

namespace QwenTts.LocalCluster;

/// <summary>A "demo" tenant and API key for the embedded default, made on first start and kept in .local/demo-api-key.</summary>
public static class DemoTenant
{
    public const string Id = "demo";

    public static async Task<string> EnsureAsync(string connectionString, CancellationToken cancellationToken)
    {
        var keyFile = Path.Combine(RepositoryLayout.LocalDataDirectory, "demo-api-key");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var tenants = new TenantStore(dataSource);
        if (await tenants.GetTenantAsync(Id, cancellationToken) is null)
        {
            // One-shot cloning on: the README's ref_audio examples run against the embedded default.
            await tenants.CreateTenantAsync(Id, "Demo tenant", requestsPerMinute: 600, charactersPerDay: 2_000_000, referenceCloning: true, cancellationToken);
        }

        if (File.Exists(keyFile) && await tenants.FindTenantByKeyAsync((await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim(), cancellationToken) is not null)
        {
            return (await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim();
        }

        var key = await tenants.CreateKeyAsync(Id, "embedded default", cancellationToken);
        await File.WriteAllTextAsync(keyFile, key.Key + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return key.Key;
    }
}
