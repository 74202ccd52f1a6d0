namespace MMSpec.Model.Core;

/// <summary>The empty success value, for operations that return nothing (free_pages).</summary>
public readonly record struct Unit
{
    public static Unit Value => default;

    public override string ToString() => "ok";
}

/// <summary>Either a value or a typed <see cref="MmError"/>; a struct, so the success path allocates nothing.</summary>
public readonly struct Result<T> : IEquatable<Result<T>>
{
    private readonly T _value;

    private Result(T value, MmError? error)
    {
        _value = value;
        Error = error;
    }

    public MmError? Error { get; }

    public bool IsOk => Error is null;

    public T Value => Error is null ? _value : throw new InvalidOperationException($"no value: {Error}");

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(MmError error) =>
        new(default!, error ?? throw new ArgumentNullException(nameof(error)));

    public static implicit operator Result<T>(T value) => Ok(value);

    public static implicit operator Result<T>(MmError error) => Fail(error);

    public bool Equals(Result<T> other) =>
        IsOk ? other.IsOk && EqualityComparer<T>.Default.Equals(_value, other._value) : Equals(Error, other.Error);

    public override bool Equals(object? obj) => obj is Result<T> other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_value, Error);

    public static bool operator ==(Result<T> left, Result<T> right) => left.Equals(right);

    public static bool operator !=(Result<T> left, Result<T> right) => !left.Equals(right);

    public override string ToString() => IsOk ? $"{_value}" : $"{Error}";
}
