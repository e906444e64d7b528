namespace ClientHub.Functions.Http.Testing;

/// <summary>
/// The system clock shifted by an offset that only moves forward. Registered as the host's
/// <see cref="TimeProvider"/> when <c>ClientHub:Testing:EnableClock</c> is on, so that after an
/// advance every timer, due date and reminder behaves as if that time had passed.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    /// <param name="offset">How far ahead of the system clock it starts (<c>ClientHub:Testing:ClockOffset</c>).</param>
    public TestClock(TimeSpan offset = default)
    {
        if (offset < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(offset), "The test clock starts at the system clock or later "
            + "(ClientHub:Testing:ClockOffset must not be negative).");
        _offsetTicks = offset.Ticks;
    }

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "The clock only moves forward.");
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
