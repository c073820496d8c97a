package org.xraybridge.config;

import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.core.convert.converter.Converter;
import org.springframework.stereotype.Component;
import org.xraybridge.model.Secret;

/** Binds text to {@link Secret}, so an API key is never held as a plain string in the configuration. */
@Component
@ConfigurationPropertiesBinding
final class SecretConverter implements Converter<String, Secret> {
  @Override
  public Secret convert(String source) {
    return Secret.of(source);
  }
}
