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
