using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Orleans.Dashboard;
using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Devices;
using QwenTts.Frontend.Jobs;
using QwenTts.Frontend.Lexicons;
using QwenTts.Frontend.Logging;
using QwenTts.Frontend.Metrics;
using QwenTts.Frontend.Models;
using QwenTts.Frontend.Outbound;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Quotas;
using QwenTts.Frontend.Robots;
using QwenTts.Frontend.Speech;
using QwenTts.Frontend.Speech.Streaming;
using QwenTts.Frontend.Text;
using QwenTts.Frontend.Usage;
using QwenTts.Frontend.Voices;
using QwenTts.Routing;
using QwenTts.ServiceDefaults;
using QwenTts.Storage;
using Scalar.AspNetCore;

namespace QwenTts.Frontend.Hosting;

/// <summary>Builds the frontend process: Orleans client, routing, tenants, the /v1 API, OpenAPI, the web page.</summary>
public static class FrontendHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("qwentts-frontend", $"{Environment.MachineName}-{Environment.ProcessId}");
        // The hosting scope and request-start lines hold the raw path (an audio link's token): our request scope and line
        // (RequestLogging) replace them.
        builder.Logging.AddFilter(RequestLogging.HostingCategory, LogLevel.None);
        var cluster = ClusterSettings.From(builder.Configuration);
        var limits = builder.Configuration.GetSection(SpeechLimits.Section).Get<SpeechLimits>() ?? new SpeechLimits();
        var operatorSurfaces = builder.Configuration.GetSection(OperatorOptions.Section).Get<OperatorOptions>() ?? new OperatorOptions();

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = limits.MaxBodyBytes;
            kestrel.UseServerRejectionProblems();
        });
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<ProblemDetailsOptions>(options => options.CustomizeProblemDetails = OpenAiErrorMember.Add);
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<DependencyExceptionHandler>();
        builder.Services.AddExceptionHandler<UnexpectedExceptionHandler>();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "QwenTts",
                Version = "v1",
                Description = "Multi-tenant, OpenAI-compatible text-to-speech on a Qwen3-TTS cluster. Authenticate with 'Authorization: Bearer <api key>'.",
            };
            return Task.CompletedTask;
        }));

        builder.Services.AddQwenTtsStorage(cluster.ConnectionString, HealthEndpoints.ReadyTag);
        builder.Services.AddPostgresProbe();
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster", tags: [HealthEndpoints.ReadyTag]);
        builder.UseOrleansClient(client => client.ConfigureQwenTtsClient(builder.Configuration).AddDashboard());

        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<KeyCacheOptions>().Bind(builder.Configuration.GetSection(KeyCacheOptions.Section))
            .Validate(o => o.IsValid, "Auth:KeyRefreshInterval must be positive and Auth:MaxKeyStaleness at least as long.").ValidateOnStart();
        builder.Services.AddSingleton<TenantDirectory>();
        builder.Services.AddHostedService<KeyCacheRefresher>();
        // Start the Orleans client, the key cache and Kestrel side by side: during a PostgreSQL outage the client cannot
        // find a gateway, and the frontend must still listen and serve the keys it knows.
        builder.Services.Configure<HostOptions>(options => options.ServicesStartConcurrently = true);
        builder.Services.AddOptions<QuotaLeaseOptions>().Bind(builder.Configuration.GetSection(QuotaLeaseOptions.Section))
            .Validate(o => o.IsValid, "Quotas:Leases: Horizon must be positive and at most 60 s (a lease's life), RenewAfter positive and shorter than Horizon, IdleAfter positive.").ValidateOnStart();
        builder.Services.AddSingleton<QuotaLeases>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QuotaLeases>());
        builder.Services.AddSingleton<TenantQuotas>();
        builder.Services.AddSingleton<ClusterReads>();
        builder.Services.AddSingleton<UsageRecorder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UsageRecorder>());
        builder.Services.AddQwenTtsRouting(builder.Configuration);
        builder.Services.AddHostedService<RouterService>();
        builder.Services.AddSingleton<FrontendMetrics>();
        builder.Services.PublishAtZeroOnStart(sp =>
        {
            sp.GetRequiredService<FrontendMetrics>().PublishZero();
            sp.GetRequiredService<JobMetrics>().PublishZero();
            RoutingMetrics.PublishZero();
        });
        builder.Services.Configure<SpeechLimits>(builder.Configuration.GetSection(SpeechLimits.Section));
        builder.Services.Configure<AiContentLabelOptions>(builder.Configuration.GetSection(AiContentLabelOptions.Section));
        builder.Services.Configure<SegmentationOptions>(builder.Configuration.GetSection(SegmentationOptions.Section));
        builder.Services.AddSingleton(sp => new SentenceSegmenter(sp.GetRequiredService<IOptions<SegmentationOptions>>().Value));
        builder.Services.AddSingleton<ReferenceAudioCloner>();
        builder.Services.AddOptions<VoiceOptions>().Bind(builder.Configuration.GetSection(VoiceOptions.Section))
            .Validate(o => o.IsValid, "Voices:ConsentMinSimilarity must be a cosine above -1 and at most 1.").ValidateOnStart();
        builder.Services.Configure<LexiconLimits>(builder.Configuration.GetSection(LexiconLimits.Section));
        builder.Services.AddSingleton<SpeechTextPlanner>();
        builder.Services.AddSingleton<SpeechPlanner>();
        builder.Services.AddSingleton<SpeechStreamer>();
        builder.Services.Configure<StreamingOptions>(builder.Configuration.GetSection(StreamingOptions.Section));
        builder.Services.AddOutboundGuard(builder.Configuration);
        builder.Services.AddQwenTtsJobs(builder.Configuration);
        builder.Services.AddQwenTtsRobots(builder.Configuration);

        var app = builder.Build();
        app.UseRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodeProblems(limits.MaxBodyBytes);
        app.UseOperatorPortGate(operatorSurfaces);
        app.UseWebSockets();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("QwenTts API"));
        app.MapHealthEndpoints();
        app.MapOperatorSurfaces(operatorSurfaces);

        var api = app.MapGroup("/v1").RequireAuthorization();
        api.MapSpeechEndpoints();
        api.MapSpeechStreamEndpoints();
        api.MapVoiceEndpoints();
        api.MapAudioVoiceEndpoints();
        api.MapVoiceConsentEndpoints();
        api.MapDeviceEndpoints();
        api.MapModelEndpoints();
        api.MapUsageEndpoints();
        api.MapJobEndpoints(builder.Configuration.ReadJobOptions());
        api.MapRobotEndpoints();
        api.MapLexiconEndpoints();

        // Resolve once at start so the metrics' observable gauges exist before the first scrape, and so a guard with the
        // test-only loopback allowance says so in the start-up log.
        app.Services.GetRequiredService<FrontendMetrics>();
        app.Services.GetRequiredService<OutboundGuard>();
        return app;
    }
}
