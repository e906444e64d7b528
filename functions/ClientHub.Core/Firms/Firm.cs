namespace ClientHub.Core.Firms;

public sealed record Firm(FirmId Id, string Name, string TimeZone, string OwnerId, DateTimeOffset CreatedAt);

public enum StaffRole { Staff = 0, Admin = 1, Owner = 2 }

public sealed record StaffMember(string Id, string Name, string Email, StaffRole Role);
