using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>
/// All tests of this assembly share one private PostgreSQL server (each test makes its own database) and the tiny
/// miniature models. One collection: the tests run one after another, which keeps CPU timing honest on 2 cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>, ICollectionFixture<MiniatureModelFixture>
{
    public const string Name = "postgres";
}
