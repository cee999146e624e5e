namespace Vault.Server.Families;

/// <summary>One vragend gezin and its traject: the unit of consent, audit and erasure. No readable name is kept.</summary>
public sealed class Family
{
    public Guid Id { get; set; }
    public required string Reference { get; set; }
    public required string Gemeente { get; set; }
    public required string Status { get; set; }
    public DateOnly TrajectStart { get; set; }
    public DateOnly? PlannedEnd { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastActivity { get; set; }

    /// <summary>The day the traject ended (completed or stopped): the retention clocks run from here.</summary>
    public DateOnly? EndedOn { get; set; }

    /// <summary>Set while the family is restricted (AVG article 18): readable, every write refused.</summary>
    public DateTimeOffset? RestrictedAt { get; set; }

    /// <summary>A retention duty (e.g. the Jeugdwet's 20 years) that blocks erasure, with its ground as shown to the requester.</summary>
    public string? LegalHoldGround { get; set; }
    public DateOnly? LegalHoldUntil { get; set; }

    /// <summary>Set when an erasure begins: from then on the family answers 404 to everyone while it is taken apart.</summary>
    public DateTimeOffset? ErasingSince { get; set; }

    /// <summary>Changes with every change to who may do what in the family (see Access/AccessStamps).</summary>
    public Guid AccessStamp { get; set; } = Guid.NewGuid();
}

/// <summary>A user in a family with a role. Removal ends the membership (and every grant it held) but keeps the row.</summary>
public sealed class Membership
{
    public Guid FamilyId { get; set; }
    public Guid UserId { get; set; }
    public required string Role { get; set; }

    /// <summary>Only for children: the consent age rules need it.</summary>
    public DateOnly? DateOfBirth { get; set; }
    public Guid? InvitedBy { get; set; }
    public DateTimeOffset JoinedAt { get; set; }
    public DateTimeOffset? RemovedAt { get; set; }
}
