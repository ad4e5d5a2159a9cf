using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>All tests of this assembly share one private PostgreSQL server; each test makes its own database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
