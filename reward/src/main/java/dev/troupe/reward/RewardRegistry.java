package dev.troupe.reward;

import com.typesafe.config.Config;
import dev.troupe.reward.builtin.FormatReward;
import dev.troupe.reward.builtin.Gsm8kCorrectnessReward;
import dev.troupe.reward.builtin.TieredReward;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns the name of a reward function in the config into a function: a registered name ({@code
 * format}, {@code gsm8k_correctness}, {@code tiered_0_1_10}, plus any added with {@link #with}), or
 * the fully qualified name of a class that implements {@link RewardFunction}.
 *
 * <p>A name with a period in it is a class name. The class is loaded from the thread's context
 * class loader (else this class's), and built through its public constructor taking a {@link
 * Config} (it receives the entry's {@code params}) or else its public no-argument constructor.
 *
 * <p>Every failure is an {@link IllegalArgumentException} saying what is wrong (an unknown name
 * lists the valid ones); {@link RewardConfig} adds the config key, file and line.
 */
public final class RewardRegistry {

    private final Map<String, Function<Config, RewardFunction>> factories;

    private RewardRegistry(Map<String, Function<Config, RewardFunction>> factories) {
        this.factories = Collections.unmodifiableMap(new LinkedHashMap<>(factories));
    }

    /** The built-in functions: {@code format}, {@code gsm8k_correctness}, {@code tiered_0_1_10}. */
    public static RewardRegistry builtIns() {
        Map<String, Function<Config, RewardFunction>> factories = new LinkedHashMap<>();
        factories.put("format", FormatReward::fromConfig);
        factories.put("gsm8k_correctness", Gsm8kCorrectnessReward::fromConfig);
        factories.put("tiered_0_1_10", TieredReward::fromConfig);
        return new RewardRegistry(factories);
    }

    /**
     * This registry plus one named function.
     *
     * @param name the name used in the config; no period (those are class names), not taken yet
     * @param factory builds the function from the entry's {@code params}
     */
    public RewardRegistry with(String name, Function<Config, RewardFunction> factory) {
        Objects.requireNonNull(factory, "factory");
        if (name.isBlank() || name.contains(".")) {
            throw new IllegalArgumentException(
                    "a registered name is non-blank and has no period (those are class names): '"
                            + name
                            + "'");
        }
        if (factories.containsKey(name)) {
            throw new IllegalArgumentException(
                    "reward function '" + name + "' is registered already");
        }
        Map<String, Function<Config, RewardFunction>> more = new LinkedHashMap<>(factories);
        more.put(name, factory);
        return new RewardRegistry(more);
    }

    /** The registered names, in registration order. */
    public Set<String> names() {
        return factories.keySet();
    }

    /** Whether {@code name} is a registered name (not a class name). */
    public boolean isRegistered(String name) {
        return factories.containsKey(name);
    }

    /**
     * Builds the function called {@code name}.
     *
     * @param name a registered name or a fully qualified class name
     * @param params the function's parameters
     * @throws IllegalArgumentException when the name is unknown, the class does not exist, does not
     *     implement {@link RewardFunction}, cannot be built, or its constructor throws
     */
    public RewardFunction create(String name, Config params) {
        Function<Config, RewardFunction> factory = factories.get(name);
        if (factory != null) {
            RewardFunction function = factory.apply(params);
            if (function == null) {
                throw new IllegalArgumentException("factory of '" + name + "' returned null");
            }
            return function;
        }
        if (!name.contains(".")) {
            throw new IllegalArgumentException(
                    "unknown reward function '"
                            + name
                            + "'; registered names: "
                            + String.join(", ", factories.keySet())
                            + "; or give the fully qualified name of a class implementing "
                            + RewardFunction.class.getName());
        }
        return instantiate(name, params);
    }

    private static RewardFunction instantiate(String className, Config params) {
        Class<?> type;
        try {
            type = Class.forName(className, false, classLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException(
                    "class '" + className + "' was not found on the classpath (" + e + ")", e);
        }
        if (!RewardFunction.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(
                    "class '"
                            + className
                            + "' does not implement "
                            + RewardFunction.class.getName());
        }
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
            throw new IllegalArgumentException(
                    "class '" + className + "' is abstract; name a concrete class");
        }
        if (!Modifier.isPublic(type.getModifiers())) {
            throw new IllegalArgumentException("class '" + className + "' is not public");
        }
        Constructor<?> constructor = publicConstructor(type, Config.class);
        Object[] arguments = {params};
        if (constructor == null) {
            constructor = publicConstructor(type);
            arguments = new Object[0];
        }
        if (constructor == null) {
            throw new IllegalArgumentException(
                    "class '"
                            + className
                            + "' has no public constructor taking "
                            + Config.class.getName()
                            + " nor a public no-argument one");
        }
        try {
            return (RewardFunction) constructor.newInstance(arguments);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException(
                    "constructor of '" + className + "' threw " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalArgumentException(
                    "class '" + className + "' could not be built: " + e, e);
        }
    }

    private static Constructor<?> publicConstructor(Class<?> type, Class<?>... parameterTypes) {
        try {
            return type.getConstructor(parameterTypes);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : RewardRegistry.class.getClassLoader();
    }
}
