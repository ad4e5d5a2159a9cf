using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>
/// Every route of the OpenAPI document, walked with malformed path values and bodies, plus unknown routes and wrong
/// methods: every 4xx and 5xx is application/problem+json with a detail.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ProblemEverywhereTests(SystemFixture fixture)
{
    private static readonly string[] MalformedPathValues =
        ["%00", "%FF", "a%2Fb", "..%2F..%2Fetc", "%20", "%E2%80%8B", "{x}", new string('x', 300)];

    private static readonly (string? Body, string ContentType)[] MalformedBodies =
    [
        ("{", "application/json"),
        ("[]", "application/json"),
        ("null", "application/json"),
        ("", "application/json"),
        ("""{"input": 42, "voice": {"id": "alloy"}, "name": [], "description": {}, "seed": "x", "speed": "fast"}""", "application/json"),
        ("""{"input": "hi", "voice": {"id": "alloy"}}""", "application/json"),
        ("<speech/>", "text/xml"),
    ];

    [Fact]
    public async Task Every_route_answers_malformed_path_values_and_bodies_with_problem_json()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var operations = await OperationsAsync(client);
        var answers = new List<string>();

        foreach (var (method, template) in operations)
        {
            var values = template.Contains('{', StringComparison.Ordinal) ? MalformedPathValues.Append("missing-voice") : [""];
            foreach (var value in values)
            {
                var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{[^}]+\}", value);
                var bodies = method is "POST" or "PATCH" or "PUT" ? MalformedBodies : [(null, "")];
                foreach (var (body, contentType) in bodies)
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    if (body is not null)
                    {
                        request.Content = new StringContent(body, Encoding.UTF8);
                        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
                    }

                    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    using var response = await client.SendAsync(request, deadline.Token);
                    var status = (int)response.StatusCode;
                    var what = $"{method} {path} {(body is null ? "" : Shorten(body))} -> {status}";
                    answers.Add(what);
                    var malformed = value != "missing-voice" && value != "" || body is not null;
                    Assert.True(!malformed || status is >= 400 and < 500, $"{what}: malformed input must be a 4xx");
                    if (status >= 400)
                    {
                        await AssertProblemAsync(response, what);
                    }
                }
            }
        }

        Assert.True(answers.Count > 60, $"walked only {answers.Count} requests over {operations.Count} operations");
    }

    [Theory]
    [InlineData("GET", "/v1/nope", 404)]
    [InlineData("GET", "/nope/deeper", 404)]
    [InlineData("DELETE", "/v1/models", 405)]
    [InlineData("PUT", "/v1/audio/speech", 405)]
    [InlineData("GET", "/v1/voices/%00", 400)]
    [InlineData("GET", "/v1/voices/a%00b", 400)]
    public async Task Routing_failures_and_requests_the_server_refuses_are_problem_json(string method, string path, int status)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(status, (int)response.StatusCode);
        await AssertProblemAsync(response, $"{method} {path}");
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_is_named_with_the_type_it_must_have()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await client.PostAsync("/v1/audio/speech",
            new StringContent("""{"input": "hi", "voice": "alloy", "speed": "fast"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("field 'speed' must be a number", await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    private static async Task<List<(string Method, string Path)>> OperationsAsync(HttpClient client)
    {
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        // The API's routes; the document also lists the Orleans dashboard's own (an operator surface with an endless trace stream).
        var operations = document.GetProperty("paths").EnumerateObject()
            .Where(path => path.Name.StartsWith("/v1/", StringComparison.Ordinal))
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (operation.Name.ToUpperInvariant(), path.Name)))
            .ToList();
        Assert.True(operations.Count >= 10, $"the OpenAPI document lists {operations.Count} /v1 operations");
        return operations;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"{what}: content type {response.Content.Headers.ContentType}, body '{Shorten(text)}'");
        using var json = JsonDocument.Parse(text);
        Assert.Equal((int)response.StatusCode, json.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null),
            $"{what}: problem without a detail: {text}");
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
