namespace Vault.Server.Infrastructure;

/// <summary>
/// Background maintenance on a timer (sweeps, signing tree heads). A failed round is logged and the next tick tries
/// again: by default .NET stops the whole host when a background service throws, and no sweep is worth that.
/// </summary>
public abstract partial class PeriodicWork(TimeProvider clock, ILogger logger) : BackgroundService
{
    protected TimeProvider Clock { get; } = clock;

    protected abstract TimeSpan Interval { get; }

    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
#pragma warning disable CA1031 // any failure waits for the next tick
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogRoundFailed(logger, GetType().Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Work} failed; it runs again at the next interval.")]
    private static partial void LogRoundFailed(ILogger logger, string work, Exception exception);
}
