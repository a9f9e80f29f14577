package dev.troupe.model.tokenizer.internal;

import java.beans.FeatureDescriptor;
import java.util.Iterator;
import java.util.Optional;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Resolves Python's {@code str} methods and indexing on Java strings, ahead of Jinjava's own
 * resolver: {@code content.split('</think>')[0].rstrip('\n')}, {@code s[-1]}. Anything else is left
 * unresolved for the next resolver in the chain.
 */
public final class PythonMethodResolver extends ELResolver {

    @Override
    public Object invoke(
            ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String self) || method == null) {
            return null;
        }
        Optional<Object> result;
        try {
            result = PythonStrings.invoke(self, method.toString(), params);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ELException("str." + method + "(): " + e.getMessage(), e);
        }
        if (result.isEmpty()) {
            return null;
        }
        context.setPropertyResolved(true);
        return result.get();
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        Long index = index(property);
        if (base instanceof String self && index != null) {
            context.setPropertyResolved(true);
            try {
                return PythonStrings.charAt(self, index);
            } catch (IllegalArgumentException e) {
                throw new ELException(e.getMessage(), e);
            }
        }
        return null;
    }

    /**
     * The integer a subscript stands for. Jinjava's resolver hands subscripts on as strings ({@code
     * "-1"}), so numeric strings count too.
     */
    private static Long index(Object property) {
        if (property instanceof Long
                || property instanceof Integer
                || property instanceof Short
                || property instanceof Byte) {
            return ((Number) property).longValue();
        }
        if (property instanceof String s && s.matches("-?\\d{1,18}")) {
            return Long.parseLong(s);
        }
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // Not ours: strings are immutable, and Jinjava's resolver handles everything else.
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
