using MMSpec.Model.Core;

namespace MMSpec.Properties.Lockstep;

/// <summary>A boxed <see cref="Result{T}"/> from a resolved call: its error, and how a trace prints it.</summary>
public static class ResultText
{
    public static MmError? ErrorOf(object result) =>
        result.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(Result<>)
            ? (MmError?)type.GetProperty(nameof(Result<int>.Error))!.GetValue(result)
            : throw new ArgumentOutOfRangeException(nameof(result), result, "not a Result");

    public static string Show(object result) => ErrorOf(result) is { } error ? error.ToString() : result.ToString() ?? string.Empty;
}
