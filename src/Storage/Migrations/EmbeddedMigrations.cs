namespace QwenTts.Storage.Migrations;

/// <summary>The schema steps shipped inside this assembly (from deploy/postgres/migrations), in order.</summary>
public static class EmbeddedMigrations
{
    private const string Prefix = "migrations/";

    public static IReadOnlyList<Migration> All { get; } = Load();

    /// <summary>The schema version this build expects: the highest shipped step.</summary>
    public static int LatestVersion => All[^1].Version;

    private static List<Migration> Load()
    {
        var assembly = typeof(EmbeddedMigrations).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(Migration.FromFile(resource[Prefix.Length..], reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key}.");
        }

        return migrations;
    }
}
