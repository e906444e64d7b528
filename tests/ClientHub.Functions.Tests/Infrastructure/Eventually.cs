namespace ClientHub.Functions.Tests.Infrastructure;

public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the last value after the timeout.</summary>
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what, int timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        T last;
        do
        {
            last = await probe();
            if (condition(last)) return last;
            await Task.Delay(150);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"Timed out waiting until {what}; last: {last}");
        return last;
    }
}
