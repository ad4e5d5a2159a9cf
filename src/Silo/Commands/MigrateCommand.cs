using QwenTts.ServiceDefaults;
using QwenTts.Storage;
using QwenTts.Storage.Migrations;

namespace QwenTts.Silo.Commands;

/// <summary>Applies pending schema migrations to the database in ConnectionStrings:Cluster, then exits.</summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddQwenTtsStorage(ClusterSettings.From(builder.Configuration).ConnectionString);
        using var host = builder.Build();
        var status = await host.Services.GetRequiredService<SchemaMigrator>().MigrateAsync();
        Console.WriteLine(status.ToString());
        return status.IsCurrent ? 0 : 1;
    }
}
