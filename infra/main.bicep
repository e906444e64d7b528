// ClientHub WorkFlow in Azure: one Storage account (tables, queues, blobs) and the host on Azure
// Container Apps. Compiled offline in CI by tests/ClientHub.Functions.Tests (Infra/BicepBuildTests).
//   az deployment group create -g <group> -f infra/main.bicep -p image=<registry>/clienthub:<tag>
targetScope = 'resourceGroup'

@description('Azure region of every resource; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Short name used to derive resource names.')
@minLength(2)
@maxLength(11)
param namePrefix string = 'clienthub'

@description('Container image of the host. The default is a placeholder that answers HTTP until the real image is pushed.')
param image string = 'mcr.microsoft.com/k8se/quickstart:latest'

@description('Port the host listens on inside the container.')
param targetPort int = 8080

@minValue(0)
param minReplicas int = 0

@minValue(1)
param maxReplicas int = 10

@secure()
@description('ClientHub__BootstrapToken: enables POST /api/firms; leave empty to keep firm creation disabled.')
param bootstrapToken string = ''

param tags object = {
  application: 'clienthub-workflow'
}

var suffix = uniqueString(resourceGroup().id)

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: toLower('${namePrefix}${take(suffix, 13)}')
    location: location
    tags: tags
  }
}

module host 'modules/containerapp.bicep' = {
  name: 'host'
  params: {
    location: location
    tags: tags
    environmentName: '${namePrefix}-env'
    appName: '${namePrefix}-host'
    image: image
    storageAccountName: storage.outputs.name
    targetPort: targetPort
    minReplicas: minReplicas
    maxReplicas: maxReplicas
    bootstrapToken: bootstrapToken
  }
}

output storageAccountName string = storage.outputs.name
output hostUrl string = 'https://${host.outputs.fqdn}'
