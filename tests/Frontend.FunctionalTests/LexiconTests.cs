using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>/v1/lexicons over real HTTP against PostgreSQL: CRUD, limits, tenant isolation, and a request that uses one.</summary>
[Collection(SystemCollection.Name)]
public sealed class LexiconTests(SystemFixture fixture)
{
    private static string UniqueName() => "brands-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_lexicon_is_created_listed_read_replaced_and_deleted_and_another_tenant_never_sees_it()
    {
        using var acme = fixture.System.Client(fixture.AcmeKey);
        using var globex = fixture.System.Client(fixture.GlobexKey);
        var name = UniqueName();

        using var created = await acme.PostAsJsonAsync("/v1/lexicons", new { name, entries = new[] { new { grapheme = "QTTS", alias = "Qwen text to speech" } } });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var again = await acme.PostAsJsonAsync("/v1/lexicons", new { name, entries = new[] { new { grapheme = "X", alias = "ex" } } });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var list = await acme.GetFromJsonAsync<JsonElement>("/v1/lexicons");
        Assert.Contains(list.GetProperty("data").EnumerateArray(), l => l.GetProperty("name").GetString() == name && l.GetProperty("entry_count").GetInt32() == 1);
        var read = await acme.GetFromJsonAsync<JsonElement>($"/v1/lexicons/{name}");
        Assert.Equal("Qwen text to speech", read.GetProperty("entries")[0].GetProperty("alias").GetString());

        using var replaced = await acme.PutAsJsonAsync($"/v1/lexicons/{name}", new { entries = new[] { new { grapheme = "QTTS", alias = "cute TTS" }, new { grapheme = "千问", alias = "通义千问" } } });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(2, (await replaced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries").GetArrayLength());

        // Another tenant: absent everywhere, and a request naming it is refused by name.
        using var foreignRead = await globex.GetAsync($"/v1/lexicons/{name}");
        Assert.Equal(HttpStatusCode.NotFound, foreignRead.StatusCode);
        Assert.DoesNotContain((await globex.GetFromJsonAsync<JsonElement>("/v1/lexicons")).GetProperty("data").EnumerateArray(), l => l.GetProperty("name").GetString() == name);
        using var foreignPut = await globex.PutAsJsonAsync($"/v1/lexicons/{name}", new { entries = new[] { new { grapheme = "A", alias = "b" } } });
        Assert.Equal(HttpStatusCode.NotFound, foreignPut.StatusCode);
        using var foreignDelete = await globex.DeleteAsync($"/v1/lexicons/{name}");
        Assert.Equal(HttpStatusCode.NotFound, foreignDelete.StatusCode);
        using var foreignUse = await SpeechApi.PostAsync(globex, new { input = "QTTS.", voice = "alloy", lexicons = new[] { name } });
        Assert.Equal(HttpStatusCode.BadRequest, foreignUse.StatusCode);
        Assert.Contains($"'{name}' is not one of your tenant's lexicons", await SpeechApi.ProblemDetailAsync(foreignUse), StringComparison.Ordinal);

        using var deleted = await acme.DeleteAsync($"/v1/lexicons/{name}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var gone = await acme.GetAsync($"/v1/lexicons/{name}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("{\"name\":\"Bad Name\",\"entries\":[{\"grapheme\":\"a\",\"alias\":\"b\"}]}", "name is required: lower-case letters")]
    [InlineData("{\"name\":\"ok\",\"entries\":[]}", "entries is required")]
    [InlineData("{\"name\":\"ok\",\"entries\":[{\"grapheme\":\"\",\"alias\":\"b\"}]}", "entries[0].grapheme is required")]
    [InlineData("{\"name\":\"ok\",\"entries\":[{\"grapheme\":\"a\",\"alias\":\"b\"},{\"grapheme\":\"a\",\"alias\":\"c\"}]}", "the grapheme 'a' more than once")]
    public async Task A_lexicon_out_of_its_limits_is_a_400_naming_the_field(string json, string mentions)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostRawJsonAsync(client, "/v1/lexicons", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentions, await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_naming_a_lexicon_speaks_and_bills_the_aliases_in_text_and_in_ssml()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var name = UniqueName();
        using var created = await client.PostAsJsonAsync("/v1/lexicons", new { name, entries = new[] { new { grapheme = "QTTS", alias = "Qwen text to speech" } } });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        async Task<int> BilledAsync(object body)
        {
            using var response = await SpeechApi.PostAsync(client, body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await SsmlSpeechTests.SseUsageAsync(response)).GetProperty("input_tokens").GetInt32();
        }

        Assert.Equal("QTTS works.".Length, await BilledAsync(new { input = "QTTS works.", voice = "alloy", response_format = "pcm", stream_format = "sse" }));
        Assert.Equal("Qwen text to speech works.".Length,
            await BilledAsync(new { input = "QTTS works.", voice = "alloy", response_format = "pcm", stream_format = "sse", lexicons = new[] { name } }));
        Assert.Equal("Qwen text to speech works.".Length, await BilledAsync(new
        {
            input = "<speak>QTTS <prosody rate=\"fast\">works.</prosody></speak>", input_format = "ssml", voice = "alloy", response_format = "pcm",
            stream_format = "sse", lexicons = new[] { name },
        }) + 1); // the space before the prosody span ends the first segment

        using var unknown = await SpeechApi.PostAsync(client, new { input = "Hi.", voice = "alloy", lexicons = new[] { "no-such-lexicon" } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("'no-such-lexicon' is not one of your tenant's lexicons", await SpeechApi.ProblemDetailAsync(unknown), StringComparison.Ordinal);
    }
}
