using Vault.Contracts.Messaging;

namespace Vault.Server.Messaging;

/// <summary>
/// A test seam at the one moment a send is open to races: every check has passed (and was audited) and the message
/// is not yet committed. Tests commit a competing change here (a rotation, a withdrawal, a revocation, a deletion) to
/// prove that the commit decides on the state of that moment, not on the state that was checked. Whatever stores
/// messages calls it there; production registers the no-op.
/// </summary>
public interface ISendCommitHook
{
    Task BeforeCommitAsync(Guid familyId, Guid channelId, Guid clientMessageId, CancellationToken ct);

    /// <summary>
    /// After a batch committed, before its deliveries go out (with several nodes: while this writer holds the turn to
    /// publish). Tests hold one node here to prove the other cannot publish a later batch first.
    /// </summary>
    Task BeforeDeliveryAsync(IReadOnlyList<MessageDelivery> committed) => Task.CompletedTask;
}

internal sealed class NoSendCommitHook : ISendCommitHook
{
    public Task BeforeCommitAsync(Guid familyId, Guid channelId, Guid clientMessageId, CancellationToken ct) => Task.CompletedTask;
}
