/** The service-provider interface a backend implements to be found by name through {@link java.util.ServiceLoader}. */
package dev.forwardpass.api.spi;
